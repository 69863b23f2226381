"""Verdicts a person checks first (issue 21), on the shipped default bundle: each row was tried by hand.

The rules behind them are general (detector.policy, detector.signals); these rows only pin that the
shipped model and policy keep them.
"""

import pytest

from detector.engine import Detector

MAYA = {"name": "Maya Chen", "first_name": "Maya", "company": "Lattice Systems"}
DANA = {"name": "Dana Whitfield", "first_name": "Dana", "last_name": "Whitfield", "company": "Acme"}

ROWS = [
    ("a friend's note about a job offer: quick question, 15 minutes", {
        "channel": "email", "subject": "quick question", "recipient": MAYA, "sender": {"name": "Jonas Weber"},
        "body": "Hi Maya,\n\nQuick question… I just got a job offer from Stripe for the data platform role and I'm "
                "torn. You went through their interview loop last year, so would you have 15 minutes this week for "
                "a quick call? I'd love your honest take on the team. Happy to return the favour anytime.\n\n"
                "Thanks so much,\nJonas"}, {"personal"}),
    ("very short text", {"channel": "email", "body": "hi"}, {"personal"}),
    ("the README's merge-tag example", {"channel": "email", "body": "Dear [FIRST_NAME], ..."}, {"smile"}),
    ("the wheel check's merge-tag example", {"channel": "email",
                                             "body": "Dear [FIRST_NAME], we noticed you might be interested."},
     {"smile"}),
    ("a list tag in the subject", {"channel": "email", "subject": "[List-name] Meeting notes",
                                   "body": "Notes from Tuesday are on the wiki. Thomas"}, {"personal"}),
    ("a shipping receipt", {"channel": "email", "subject": "Your order has shipped", "recipient": DANA,
                            "body": "Hi Dana,\n\nYour order #112-5534 has shipped! Track your package: "
                                    "https://track.example.com/112\nEstimated delivery: Thursday, Dec 10.\n\n"
                                    "Items: 1 x Wireless Mouse\n\nThanks for shopping with us,\nThe Shopwell Team"},
     {"bulk"}),
    ("a parcel-scam SMS addressed by name", {"channel": "sms", "recipient": DANA,
                                             "body": "Dana, your USPS package is on hold due to an incomplete address. "
                                                     "Confirm your details here within 24h: https://usps-redeliver.co/track"},
     {"smile", "bulk"}),
    ("'last night' inside a cold pitch", {"channel": "email", "recipient": DANA,
                                          "body": "Hi Dana, last night I was reading about Acme and thought our "
                                                  "analytics tool could help your team hit its targets. Worth a look?"},
     {"smile", "bulk"}),
]


@pytest.fixture(scope="module")
def detector():
    return Detector.open()


@pytest.mark.parametrize("what, record, verdicts", ROWS, ids=[r[0] for r in ROWS])
def test_verdict_table(detector, what, record, verdicts):
    result = detector.score({"id": "t", **record})
    assert result["verdict"] in verdicts, (what, result["verdict"], result["score"],
                                           [(r["code"], r["weight"]) for r in result["reasons"]])


def test_very_short_text_says_there_was_too_little_text(detector):
    result = detector.score({"id": "t", "channel": "sms", "body": "hi"})
    assert "TOO_LITTLE_TEXT" in {r["code"] for r in result["reasons"]}


def test_a_conclusive_merge_tag_decides_whatever_the_text_model_says(detector):
    result = detector.score({"id": "t", "channel": "email", "body": "Dear [FIRST_NAME], ..."})
    assert result["score"] >= detector.bundle.policy.threshold
    assert all(r["weight"] >= 0 for r in result["reasons"])


def test_last_night_in_a_pitch_is_no_shared_history(detector):
    record = ROWS[-1][1]
    result = detector.score({"id": "t", **record})
    assert result["personalization"]["depth"] == "shallow"
    assert "SHARED_HISTORY" not in {r["code"] for r in result["reasons"]}
