import pytest

from detector.message import from_record
from detector.signals.identity_slots import IdentitySlots
from detector.signals.merge_fallback import MergeFallback

SIGNAL = MergeFallback()
RECIPIENT = {"name": "Priya Raman", "first_name": "Priya", "company": "Northwind Labs"}


def detect(body, channel="email", subject="Quick question", recipient=RECIPIENT):
    message = from_record({"id": "t", "channel": channel, "subject": subject, "body": body, "recipient": recipient})
    found = {}
    slots = IdentitySlots().detect(message, found)
    if slots:
        found[slots.code] = slots
    return message, SIGNAL.detect(message, found)


@pytest.mark.parametrize(
    "body, evidence, kind",
    [
        ("Hi there,\nI wanted to reach out.", "Hi there", "there"),
        ("Hello there! Loved your site.", "Hello there", "there"),
        ("hi there this is mike from acme", "hi there", "there"),
        ("Dear Valued Customer,\nYour account...", "Dear Valued Customer", "generic_addressee"),
        ("Dear Customer,\nthanks", "Dear Customer", "generic_addressee"),
        ("Dear Sir or Madam,\nI am writing", "Dear Sir or Madam", "generic_addressee"),
        ("Dear Sir/Madam,\nI am writing", "Dear Sir/Madam", "generic_addressee"),
        ("Good afternoon Sir/Madam, this is Bri.", "Good afternoon Sir/Madam", "generic_addressee"),
        ("Hi Friend,\nquick note", "Hi Friend", "generic_addressee"),
        ("Dear Member,\nrenew today", "Dear Member", "generic_addressee"),
        ("Friend - your journey is impressive.", "Friend", "generic_addressee"),
        ("hello this message is for friend my name is maya", "this message is for friend", "generic_addressee"),
        ("Hey Northwind Labs team,\nquick idea", "Northwind Labs team", "company_team"),
        ("Northwind Labs team - I had an idea.", "Northwind Labs team", "company_team"),
        ("Hi ,\nquick question for you", "Hi ,", "blank_name"),
        ("Gentle nudge on this, . Is it a priority?", ", .", "blank_name"),
    ],
)
def test_generic_greetings_where_the_name_belongs(body, evidence, kind):
    message, hit = detect(body)
    assert hit is not None, body
    assert kind in hit.data["kinds"]
    assert evidence in [e.text for e in hit.evidence]
    assert all(e.text == message.text[e.start:e.end] for e in hit.evidence)


def test_a_blank_name_at_the_start_of_the_subject_counts():
    _, hit = detect("We fund construction software.", subject=", are you raising?")
    assert hit.data["kinds"] == ["blank_name"]


@pytest.mark.parametrize(
    "body",
    [
        "Hi Priya,\nthe keys are over there, by the door.",
        "Hi there Priya,\nlong time!",
        "Priya,\nIs there a chance you kept the receipt?",
        "Hi Priya,\n" + "Lots of news. " * 30 + "\nHi there, said the waiter.",
        "Hey team,\nstandup moved to 10.",
        "We went to the Northwind Labs team offsite.",
        "Thanks, see you Friday.",
        "hello , we are starting to prepare the surveys . please send them by friday . thanks .",
        "See the .NET, .COM and .ORG docs, .plan files too.",
        "There is a new build. Over there, nobody noticed.",
    ],
)
def test_names_and_there_elsewhere_do_not_fire(body):
    assert detect(body)[1] is None, body
