import pytest

from detector.message import from_record
from detector.signals.identity_slots import IdentitySlots
from detector.signals.merge_glitch import MergeGlitch

SIGNAL = MergeGlitch()
JOHN = {"name": "John Smith", "first_name": "John", "company": "Northwind Labs", "title": "VP of Sales",
        "location": "Denver", "email": "john.smith@northwind.example"}


def detect(body, channel="email", recipient=JOHN):
    message = from_record({"id": "t", "channel": channel, "subject": "Quick question", "body": body,
                           "recipient": recipient})
    found = {}
    slots = IdentitySlots().detect(message, found)
    if slots:
        found[slots.code] = slots
    return message, SIGNAL.detect(message, found)


@pytest.mark.parametrize(
    "body, kind, evidence",
    [
        ("Hi JOHN,\nI came across your work and wanted to say hello.", "name_case", "JOHN"),
        ("hi john,\nI came across your work and wanted to say hello.", "name_case", "john"),
        ("Really great post, john! Curious what comes next.", "name_case", "john"),
        ("Hi John Smith,\nI came across your work.", "full_name_greeting", "John Smith"),
        ("Dear John Smith, thanks for your time.", "full_name_greeting", "John Smith"),
        ("We love what the team at Northwind Labs, Inc. is doing.", "legal_suffix", "Northwind Labs, Inc."),
        ("Northwind Labs LLC's team is growing fast.", "legal_suffix", "Northwind Labs LLC"),
        ("Is anyone on the Northwind Labs Corp. team free?", "legal_suffix", "Northwind Labs Corp."),
        ("Hi Northwind Labs,\nwe help teams like yours.", "field_as_name", "Northwind Labs"),
        ("Hi VP of Sales,\nwe help teams like yours.", "field_as_name", "VP of Sales"),
        ("Hello Denver!\nWe help teams like yours.", "field_as_name", "Denver"),
        ("Dear john.smith@northwind.example:\nCongratulations!", "field_as_name", "john.smith@northwind.example"),
    ],
)
def test_filled_fields_that_went_in_wrong(body, kind, evidence):
    message, hit = detect(body)
    assert hit is not None, body
    assert kind in hit.data["kinds"]
    assert evidence in [e.text for e in hit.evidence]
    assert all(e.text == message.text[e.start:e.end] for e in hit.evidence)


@pytest.mark.parametrize(
    "body, channel",
    [
        ("Hi John,\nI came across your work and wanted to say hello.", "email"),
        ("hey john it's sam, found your scarf in my car after the concert", "voicemail"),
        ("hi john i made this quick video just for you as you can see", "video_transcript"),
        ("hi john, see you thursday. bring the charger.", "sms"),
        ("HI JOHN, BIG NEWS, CALL ME ABOUT THE BOAT", "sms"),
        ("Hey Northwind Labs team, quick idea.", "email"),
        ("I saw Northwind Labs in the news today.", "email"),
        ("John, the venue moved the keynote to 2pm.", "email"),
    ],
)
def test_correct_fills_and_lower_case_transcripts_do_not_fire(body, channel):
    assert detect(body, channel)[1] is None, body


def test_corp_is_not_a_glitch_when_the_company_is_called_that():
    _, hit = detect("Everyone at Acme Corp loved it.", recipient={**JOHN, "company": "Acme Corp"})
    assert hit is None


def test_no_identity_slots_means_no_glitch():
    message = from_record({"id": "t", "channel": "sms", "body": "HI THERE"})
    assert SIGNAL.detect(message, {}) is None
