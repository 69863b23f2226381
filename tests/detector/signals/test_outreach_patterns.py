import pytest

from detector.message import from_record
from detector.signals.outreach_patterns import OutreachPatterns

SIGNAL = OutreachPatterns()


def detect(body, channel="linkedin", links=None):
    record = {"id": "t", "channel": channel, "body": body}
    if links:
        record["body_html"] = "".join(f'<a href="{u}">x</a>' for u in links)
    message = from_record(record)
    return message, SIGNAL.detect(message, {})


@pytest.mark.parametrize(
    "body, kind, evidence",
    [
        ("I came across your profile and had to reach out.", "flattery", "came across your profile"),
        ("Loved your recent post on pricing.", "flattery", "Loved your recent post"),
        ("Really impressed by what you're building.", "flattery", "impressed by what you're building"),
        ("Do you have 15 minutes next week?", "meeting_ask", "15 minutes next week"),
        ("Would a quick call make sense?", "meeting_ask", "quick call"),
        ("Open to a chat?", "meeting_ask", "Open to a chat"),
        ("Grab a slot: https://calendly.com/rep/15min", "meeting_ask", "calendly.com"),
        ("Just floating this to the top of your inbox.", "bump", "floating this to the top"),
        ("Circling back on the below.", "bump", "Circling back"),
        ("Did you get a chance to look?", "bump", "Did you get a chance to"),
        ("Following up on my last email.", "bump", "Following up on my last email"),
        ("I made this video just for you.", "personal_video", "made this video just for you"),
        ("recorded a quick video for you", "personal_video", "recorded a quick video for you"),
        ("as you can see on your website the CTA is hidden", "personal_video", "as you can see on your"),
        ("If not you, who should I talk to?", "sequence_signoff", "If not you, who"),
        ("Reply 'stop' and I'll go away.", "sequence_signoff", "Reply 'stop"),
        ("Should I close your file?", "sequence_signoff", "Should I close your file"),
        ("Is this a priority this quarter?", "sequence_signoff", "Is this a priority"),
        ("Not interested? Just let me know.", "sequence_signoff", "Not interested? Just let me know"),
        ("We help companies like yours grow.", "value_pitch", "We help companies like yours"),
        ("We can increase your revenue by 30%.", "value_pitch", "increase your revenue"),
        ("I was reading your case study on churn.", "flattery", "I was reading your case study"),
        ("Hoping to catch you for a quick minute.", "meeting_ask", "catch you for a quick minute"),
        ("I'll check back next quarter.", "bump", "I'll check back next"),
        ("Would it be better to reconnect next quarter?", "bump", "better to reconnect next"),
        ("Reply YES and I'll send details.", "sequence_signoff", "Reply YES and"),
        ("Are you still the best contact for IT at Atlas?", "sequence_signoff", "Are you still the best contact"),
        ("so I just had to record this", "personal_video", "just had to record this"),
        ("I don't want to pitch you in a video", "personal_video", "don't want to pitch you"),
        ("Still interested in lowering your costs?", "value_pitch", "Still interested in lowering"),
        ("cut Atlas Grain's card processing fees", "value_pitch", "cut Atlas Grain's card processing fees"),
        ("and that's literally what we help with", "value_pitch", "that's literally what we help with"),
        ("I know you get a lot of these, so I'll get to the point.", "value_pitch", "so I'll get to the point"),
        ("We book more meetings for SDR teams.", "value_pitch", "book more meetings"),
    ],
)
def test_each_kind_of_stock_phrase(body, kind, evidence):
    message, hit = detect(body)
    assert hit is not None, body
    assert hit.data["kinds"].get(kind, 0) >= 1
    assert evidence in [e.text for e in hit.evidence]
    assert all(e.text == message.text[e.start:e.end] for e in hit.evidence)


@pytest.mark.parametrize(
    "body",
    [
        "if not you who should i talk to reply stop to opt out",      # ASR: no punctuation, no quotes
        "i made this video just for you as you can see im on your website",
        "youre not the right person no worries is this a priority",
    ],
)
def test_asr_transcripts_without_punctuation_still_match(body):
    assert detect(body, channel="voicemail")[1] is not None


@pytest.mark.parametrize(
    "body",
    [
        "Mark, the venue moved the keynote to 2pm, so we can still grab lunch with Ted before.",
        "I'll be 10 minutes late to the meeting.",
        "Can you point me in the right direction for the build docs?",
        "We loved your mom's lasagna, thanks again for dinner.",
        "Found your blue scarf in my car after the concert.",
        "The quick brown fox jumps over the lazy dog.",
    ],
)
def test_personal_and_ordinary_text_does_not_fire(body):
    assert detect(body)[1] is None


def test_strength_grows_with_distinct_kinds_and_is_capped():
    one = detect("Circling back. Circling back again.")[1]
    two = detect("Circling back. Open to a quick call?")[1]
    many = detect(
        "I came across your profile. Open to a quick call? Circling back. If not you, who? "
        "We help companies like yours. I made this video just for you."
    )[1]
    assert one.data["kinds"] == {"bump": 2}
    assert one.strength < two.strength < many.strength == 1.0


def test_calendar_link_in_html_counts_without_a_text_span():
    _, hit = detect("Pick any time that suits.", links=["https://calendly.com/rep/15min"])
    assert hit.data["kinds"] == {"meeting_ask": 1} and hit.evidence == ()


def test_seed_2_personal_video():
    message = from_record({
        "id": "seed-2", "channel": "linkedin",
        "body": "Hi Mark, I'm trying to connect on a more human way on LinkedIn and created this "
                "personal video for you.",
        "recipient": {"name": "Mark Schaefer", "first_name": "Mark", "title": "Author"},
    })
    hit = SIGNAL.detect(message, {})
    assert "personal_video" in hit.data["kinds"]
    assert all(e.text == message.text[e.start:e.end] for e in hit.evidence)


@pytest.mark.parametrize("trigger", ["cut", "helps", "we help", "lower", "i came across", "loved your"])
@pytest.mark.parametrize("filler", ["-" * 3000, "- " * 1500, "ab-" * 1000, " ," * 1500])
def test_long_dash_and_punctuation_runs_do_not_backtrack(trigger, filler):
    # A forwarded message's "-----" rule once made one phrase take 51 s on one corpus message:
    # words and separators both matched "-". Possessive separators keep every match linear.
    assert detect(f"{trigger} {filler} x")[1] is None
