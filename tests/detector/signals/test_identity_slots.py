from itertools import pairwise

import pytest

from detector.message import from_record
from detector.signals.identity_slots import IdentitySlots

SIGNAL = IdentitySlots()
MARK = {
    "name": "Mark Schaefer", "first_name": "Mark", "company": "Acme Corp, Inc.", "title": "VP of Sales",
    "location": "Austin, TX", "email": "mark.schaefer@acme.com", "school": "University of Michigan",
}


def detect(body, recipient=None, channel="email", subject=None):
    record = {"id": "t", "channel": channel, "body": body, "recipient": recipient or {}}
    if subject:
        record["subject"] = subject
    message = from_record(record)
    return message, SIGNAL.detect(message, {})


@pytest.mark.parametrize(
    "body, expected",
    [
        ("Hi Mark, hope you're well.", [("first_name", "Mark")]),
        ("Loved Mark's talk.", [("first_name", "Mark")]),
        ("Dear Mark Schaefer,", [("full_name", "Mark Schaefer")]),
        ("Dear Mark W. Schaefer,", [("full_name", "Mark W. Schaefer")]),
        ("Mr. Schaefer, a question.", [("last_name", "Schaefer")]),
        ("Hi MARK, quick one", [("first_name", "MARK")]),
        ("hi mark, quick one", [("first_name", "mark")]),
        ("Great post, mark! Loved it.", [("first_name", "mark")]),
        ("Folks at Acme Corp, Inc. love it.", [("company", "Acme Corp, Inc.")]),
        ("The Acme team said so.", [("company", "Acme")]),
        ("I was on acme.com today.", [("website", "acme.com")]),
        ("As VP of Sales you know this.", [("title", "VP of Sales")]),
        ("Teams in Austin grow fast.", [("location", "Austin")]),
        ("A fellow University of Michigan grad!", [("school", "University of Michigan")]),
        ("Write to mark.schaefer@acme.com please.", [("email", "mark.schaefer@acme.com")]),
        ("Your video: https://vid.example/v/mark-schaefer", [("url", "https://vid.example/v/mark-schaefer")]),
        ("Open https://go.example/x?name=Mark&c=1 now", [("url", "https://go.example/x?name=Mark&c=1")]),
    ],
)
def test_slots_from_the_recipient_record(body, expected):
    message, hit = detect(body, MARK)
    got = [(s["type"], s["text"]) for s in hit.data["slots"]] if hit else []
    assert got == expected
    if hit:
        assert hit.data["inferred"] is False
        assert all(e.text == message.text[e.start:e.end] for e in hit.evidence)
        assert all(s["text"] == message.text[s["start"]:s["end"]] for s in hit.data["slots"])


@pytest.mark.parametrize(
    "body",
    [
        "I will mark the date in my calendar.",     # lower-case word, not the name
        "The RPM MARK build failed again.",         # all caps outside a greeting
        "Markus and Marky came along.",             # longer words
        "We met the author at the fair.",          # lower-case title word
    ],
)
def test_words_that_only_look_like_the_reader_are_not_slots(body):
    assert detect(body, {**MARK, "title": "Author"})[1] is None


def test_all_lower_case_transcripts_still_find_the_name():
    message, hit = detect("hey mark its sam call me back", MARK, channel="voicemail")
    assert [(s["type"], s["text"]) for s in hit.data["slots"]] == [("first_name", "mark")]


@pytest.mark.parametrize(
    "body, recipient, expected",
    [
        ("Hi Jane,\nhow are you?", {}, [("first_name", "Jane")]),
        ("Hello,\nJane Doe sent this.", {"email": "jane.doe@example.org"}, [("full_name", "Jane Doe")]),
        ("Dear Mr. Smith,\nThanks.", {}, [("last_name", "Smith")]),
        ("Hi Ana,\nyour site ana.example", {"email": "ana@gmail.com"}, [("first_name", "Ana")]),
    ],
)
def test_slots_inferred_from_email_local_part_or_greeting(body, recipient, expected):
    _, hit = detect(body, recipient)
    assert [(s["type"], s["text"]) for s in hit.data["slots"]] == expected
    assert hit.data["inferred"] is True


@pytest.mark.parametrize("body", ["Dear Valued Customer,\nhello", "Hi there,\nhello", "Hi team,\nhello"])
def test_generic_greetings_are_not_inferred_names(body):
    assert detect(body)[1] is None


def test_slots_are_sorted_non_overlapping_and_prefer_the_longest():
    message, hit = detect(
        "Hi Mark Schaefer, see acme.com and mark.schaefer@acme.com at Acme Corp, Inc.", MARK, subject="Mark?"
    )
    slots = hit.data["slots"]
    assert [s["type"] for s in slots] == ["first_name", "full_name", "website", "email", "company"]
    assert all(a["end"] <= b["start"] for a, b in pairwise(slots))


def test_seed_2_first_name_slot():
    message = from_record({
        "id": "seed-2", "channel": "linkedin",
        "body": "Hi Mark, I'm trying to connect on a more human way on LinkedIn and created this "
                "personal video for you.",
        "recipient": {"name": "Mark Schaefer", "first_name": "Mark", "title": "Author"},
    })
    hit = SIGNAL.detect(message, {})
    assert hit.data["slots"] == [{"type": "first_name", "text": "Mark", "start": 3, "end": 7}]


def test_no_recipient_and_no_greeting_name_gives_no_hit():
    assert detect("Thanks for the notes, see you soon.")[1] is None
