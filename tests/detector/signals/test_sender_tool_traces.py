import pytest

from detector.message import from_record
from detector.signals.sender_tool_traces import SenderToolTraces

SIGNAL = SenderToolTraces()


def detect(body="Hi Ana, see you soon.", headers=None, html=None, channel="email"):
    record = {"id": "t", "channel": channel, "subject": "Hello", "body": body, "headers": headers or {}}
    if html:
        record["body_html"] = html
    message = from_record(record)
    return message, SIGNAL.detect(message, {})


@pytest.mark.parametrize(
    "headers, trace",
    [
        ({"X-Mailer": "Mailchimp Mailer - **CID1234**"}, "x-mailer:mailchimp"),
        ({"X-Mailer": "lemlist"}, "x-mailer:lemlist"),
        ({"X-Campaign-Id": "8812"}, "x-campaign-id"),
        ({"X-Mailgun-Variables": "{}"}, "x-mailgun-variables"),
        ({"X-SG-EID": "abc"}, "x-sg-eid"),
        ({"X-Outreach-Prospect": "77"}, "x-outreach-prospect"),
        ({"X-Lemlist-Campaign": "c1"}, "x-lemlist-campaign"),
        ({"X-Apollo-Sequence": "s1"}, "x-apollo-sequence"),
        ({"X-HS-Cta-Id": "x"}, "x-hs-cta-id"),
        ({"List-Unsubscribe": "<mailto:u@example.com>"}, "list-unsubscribe"),
        ({"Precedence": "bulk"}, "precedence:bulk"),
        ({"Feedback-ID": "1:2:3:esp"}, "feedback-id"),
        ({"List-Id": "<news.example.com>"}, "list-id"),
    ],
)
def test_tool_headers(headers, trace):
    _, hit = detect(headers=headers)
    assert trace in hit.data["traces"]
    assert hit.evidence == ()


@pytest.mark.parametrize(
    "html, trace",
    [
        ('<p>Hi</p><img src="https://t.example/o.gif" width="1" height="1">', "tracking_pixel"),
        ('<a href="https://mailtrack.io/trace/link/abc">x</a>', "mailtrack"),
        ('<a href="https://d2v8tf04.na1.hubspotlinks.com/Ctc/x">x</a>', "hubspot_link"),
        ('<a href="https://u123.ct.sendgrid.net/ls/click?upn=x">x</a>', "sendgrid_click"),
        ('<a href="https://acme.us5.list-manage.com/track/click?u=1">x</a>', "mailchimp_click"),
        ('<a href="https://example.com/post?utm_source=seq&utm_medium=email">x</a>', "utm"),
        ('<a href="https://bit.ly/3xYz">x</a>', "shortener"),
        ('<a href="https://share.vidyard.com/watch/abc">x</a>', "video_outreach_tool"),
    ],
)
def test_tracking_links_and_pixels_in_html(html, trace):
    _, hit = detect(body="Hi Ana, see below.", html=html)
    assert trace in hit.data["traces"]


@pytest.mark.parametrize(
    "body, trace, evidence",
    [
        ("Details: https://bit.ly/3xYz.", "shortener", "https://bit.ly/3xYz"),
        ("Read https://example.com/a?utm_source=seq now", "utm", "https://example.com/a?utm_source=seq"),
        ("Thanks!\n\nUnsubscribe here.", "unsubscribe_footer", "Unsubscribe"),
        ("You are receiving this because you signed up.", "unsubscribe_footer", "You are receiving this because"),
        ("Sent with Mixmax", "sent_with_tool", "Sent with Mixmax"),
        ("View this email in your browser", "view_in_browser", "View this email in your browser"),
    ],
)
def test_traces_in_the_text_carry_evidence(body, trace, evidence):
    message, hit = detect(body=body)
    assert trace in hit.data["traces"]
    assert evidence in [e.text for e in hit.evidence]
    assert all(e.text == message.text[e.start:e.end] for e in hit.evidence)


@pytest.mark.parametrize(
    "body, headers, html",
    [
        ("Hi Ana, see you soon.", {"X-Mailer": "Apple Mail (2.3696)", "From": "bo@example.org"}, None),
        ("Photos: https://photos.example.com/album/123", {"User-Agent": "Thunderbird 115"}, None),
        ("Lunch?", {}, '<p>Lunch?</p><img src="https://example.com/cat.jpg" width="400">'),
        ("I unsubscribed from that list ages ago, sent you the pics.", {}, None),
    ],
)
def test_ordinary_mail_has_no_traces(body, headers, html):
    assert detect(body=body, headers=headers, html=html)[1] is None


def test_list_unsubscribe_flag_and_strength():
    _, honest = detect(headers={"List-Unsubscribe": "<mailto:u@x>", "Precedence": "bulk"})
    _, weak = detect(body="Read https://example.com/a?utm_source=x now")
    assert honest.data["list_unsubscribe"] is True and honest.strength == 1.0
    assert weak.data["list_unsubscribe"] is False and weak.strength == 0.5


def test_traces_never_carry_urls_or_addresses():
    _, hit = detect(html='<a href="https://bit.ly/x?email=ana%40example.org&utm_source=s">x</a>')
    assert all("://" not in t and "@" not in t for t in hit.data["traces"])
