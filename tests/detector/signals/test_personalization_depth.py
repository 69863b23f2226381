import pytest

from detector.message import from_record
from detector.signals import default_registry

REGISTRY = default_registry()
MARK = {"name": "Mark Schaefer", "first_name": "Mark"}
EX_3 = {
    "id": "ex-3", "channel": "email", "subject": "Re: Thursday",
    "body": "Mark, the venue moved the keynote to 2pm, so we can still grab lunch with Ted before. "
            "I'll bring the proofs of chapter 4 you asked about.",
    "recipient": MARK,
    "thread": [{"from_recipient": True, "body": "Are we still on for Thursday? Can you bring the chapter 4 proofs?"}],
}


def run(record):
    message = from_record({"id": "t", "channel": "email", **record})
    return message, REGISTRY.run(message)


def depth_of(record):
    return run(record)[1]["PERSONALIZATION_DEPTH"]


def test_ex_3_is_deep_and_shows_no_template_signals():
    message, hits = run(EX_3)
    depth = hits["PERSONALIZATION_DEPTH"]
    assert depth.data["depth"] == "deep" and depth.strength == 0.0
    assert {"chapter", "4", "proof", "thursday", "bring"} <= set(depth.data["echoed"])
    assert not hits.keys() & {"OUTREACH_PATTERNS", "MERGE_TAG_LEFTOVER", "MERGE_FALLBACK", "MERGE_GLITCH"}
    assert all(e.text == message.text[e.start:e.end] for e in depth.evidence)


def test_seed_2_is_shallow_with_the_slot_as_evidence():
    hit = depth_of({
        "channel": "linkedin", "recipient": {**MARK, "title": "Author"},
        "body": "Hi Mark, I'm trying to connect on a more human way on LinkedIn and created this "
                "personal video for you.",
    })
    assert hit.data["depth"] == "shallow" and hit.strength == 1.0
    assert [e.text for e in hit.evidence] == ["Mark"]


@pytest.mark.parametrize(
    "record, depth",
    [
        (EX_3, "deep"),
        ({"body": "Mark, like you said, the second draft is better. See you Thursday.", "recipient": MARK}, "deep"),
        ({"body": "hey mark its sam found your scarf in my car after the concert", "recipient": MARK,
          "channel": "voicemail"}, "deep"),
        ({"body": "Thanks for dinner last night! Say hi to your mom.", "recipient": {}}, "deep"),
        ({"body": "Numbers attached.", "recipient": MARK,
          "thread": [{"from_recipient": True, "body": "Send the Lisbon budget numbers please"}],
          "subject": "Re: Lisbon budget"}, "deep"),
        ({"body": "Hi Mark, I came across your profile. Open to a quick call?", "recipient": MARK}, "shallow"),
        ({"body": "Hi Mark, as we discussed, our platform helps. Open to a quick call?", "recipient": MARK}, "shallow"),
        ({"body": "Hi Mark,\nWe work with authors in Ohio. Interested?", "recipient": MARK}, "shallow"),
        ({"body": "Following up on my last email, Mark.", "recipient": MARK,
          "thread": [{"from_recipient": False, "body": "Mark, we help authors sell more books."}]}, "shallow"),
        ({"body": "Hi Mark, bumping this.", "recipient": MARK,
          "thread": [{"from_recipient": True, "body": "Please remove me from your list."}]}, "shallow"),
        ({"body": "Dear [FIRST_NAME], we noticed you might like [PRODUCT].", "recipient": MARK}, "none"),
        ({"body": "Our November newsletter: three new integrations.", "recipient": {}}, "none"),
        ({"body": "Satisfy your wife tonight! Order now.", "recipient": {}}, "none"),
    ],
)
def test_depth_table(record, depth):
    hit = depth_of(record)
    assert hit.data["depth"] == depth
    assert hit.strength == (1.0 if depth == "shallow" else 0.0)
    assert set(hit.data) == {"depth", "echoed", "references", "template_like"}


def test_references_do_not_count_in_templated_text():
    hit = depth_of({"body": "Hi Mark, see you Thursday! I came across your profile.", "recipient": MARK})
    assert hit.data["depth"] == "shallow" and hit.data["references"] == 0 and hit.data["template_like"]


def test_templated_replies_need_more_echoes():
    thread = [{"from_recipient": True, "body": "What does the pricing look like for the pilot?"}]
    plain = depth_of({"body": "Mark, the pilot pricing is flat.", "recipient": MARK, "thread": thread})
    pitched = depth_of({"body": "Mark, the pilot pricing is flat. Open to a quick call?", "recipient": MARK,
                        "thread": thread})
    assert plain.data["depth"] == "deep" and pitched.data["depth"] == "shallow"


def test_names_are_not_echoes():
    hit = depth_of({"body": "Mark, Ana here.", "recipient": MARK, "sender": {"name": "Ana Costa"},
                    "thread": [{"from_recipient": True, "body": "Thanks Ana - Mark"}]})
    assert hit.data["echoed"] == [] and hit.data["depth"] == "shallow"


@pytest.mark.parametrize("body, depth", [
    # a time alone is no shared history inside a pitch
    ("Hi Mark, last night I was reading about your company and thought our analytics tool could help. "
     "Worth a look?", "shallow"),
    ("Mark, great seeing you last night. Let's do it again soon.", "deep"),
    # a friend's note with one stock phrase ("15 minutes this week") and two signs of a real relationship
    ("Hi Mark, quick question... I just got a job offer from Stripe. Would you have 15 minutes this week? "
     "Happy to return the favour anytime.", "deep"),
    # one history phrase beside a stock phrase is not enough
    ("Hi Mark, as we discussed, our platform helps. Open to a quick call?", "shallow"),
])
def test_history_needs_shared_time_or_reciprocity(body, depth):
    assert depth_of({"body": body, "recipient": MARK}).data["depth"] == depth
