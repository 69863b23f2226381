import re

import pytest

from detector.message import MAX_TEXT_CHARS, from_record

RAW_MULTIPART = (
    "From: =?utf-8?q?Jos=C3=A9_P=C3=A9rez?= <jose@example.org>\n"
    "To: Mark Schaefer <mark@example.com>\n"
    "Subject: =?iso-8859-1?q?R=E9union?=\n"
    "MIME-Version: 1.0\n"
    'Content-Type: multipart/alternative; boundary="b1"\n\n'
    "--b1\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\n"
    "Caf=E9 at noon?\n"
    "--b1\nContent-Type: text/html; charset=utf-8\n\n"
    '<p>Caf\u00e9 at <b>noon</b>?</p><img src="https://t.example/p.gif" width="1" height="1">\n'
    "--b1--\n"
)


def test_email_text_is_subject_blank_line_body_and_offsets_point_into_it():
    m = from_record({"id": "1", "channel": "email", "subject": "Hello", "body": "Body here"})
    assert m.text == "Hello\n\nBody here"
    assert m.body_start == 7 and m.body == "Body here"


def test_non_email_channels_score_the_body_alone():
    m = from_record({"id": "1", "channel": "linkedin", "subject": "ignored", "body": "Hi there"})
    assert m.text == "Hi there" and m.body_start == 0


def test_raw_multipart_with_encoded_headers_and_charsets():
    m = from_record({"id": "r", "channel": "email", "raw": RAW_MULTIPART})
    assert m.subject == "R\u00e9union"
    assert "Caf\u00e9 at noon?" in m.text
    assert m.sender.name == "Jos\u00e9 P\u00e9rez" and m.recipient.email == "mark@example.com"
    assert m.links == ("pixel:https://t.example/p.gif",)


def test_html_body_becomes_text_without_markup():
    m = from_record({"id": "h", "channel": "email", "body_html": "<div>Hi <a href='https://x.io/a'>Ann</a></div><script>x()</script>"})
    assert m.text == "Hi Ann" and m.links == ("https://x.io/a",)


def test_quoted_reply_is_cut_and_becomes_thread_context_from_the_recipient():
    body = "Sounds good, see you then.\n\nOn Mon, Jan 1, 2024 at 10:00 AM, Mark Schaefer <mark@x.com> wrote:\n> Lunch Thursday?\n"
    m = from_record({"id": "q", "channel": "email", "body": body, "recipient": {"name": "Mark Schaefer", "email": "mark@x.com"}})
    assert m.text == "Sounds good, see you then."
    assert m.thread[-1].body.startswith("Lunch Thursday?") and m.thread[-1].from_recipient is True


def test_signature_is_separated():
    m = from_record({"id": "s", "channel": "email", "body": "See you at 5.\n-- \nAna\nCEO, Example"})
    assert m.text == "See you at 5." and m.signature.startswith("--")


@pytest.mark.parametrize("captions", [
    "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nhi dana\n\n00:00:02.000 --> 00:00:04.000\ni made this video for you\n",
    "1\n00:00:00,000 --> 00:00:02,000\nhi dana\n\n2\n00:00:02,000 --> 00:00:04,000\ni made this video for you\n",
])
def test_vtt_and_srt_are_flattened(captions):
    m = from_record({"id": "v", "channel": "video_transcript", "body": captions})
    assert m.text == "hi dana i made this video for you"


@pytest.mark.parametrize("record, message", [
    ([], "JSON object"),
    ({"channel": "email", "body": "x"}, "'id' is required"),
    ({"id": "1", "channel": "fax", "body": "x"}, "'channel' must be one of"),
    ({"id": "1", "channel": "email"}, "one of 'body'"),
    ({"id": "1", "channel": "email", "body": "   "}, "no text to score"),
    ({"id": "1", "channel": "email", "body": 5}, "'body' must be a string"),
    ({"id": "1", "channel": "email", "body": "x", "recipient": "Mark"}, "'recipient' must be an object"),
    ({"id": "1", "channel": "email", "body": "x", "thread": [{"body": 1}]}, "thread[0]"),
    ({"id": "1", "channel": "email", "raw": "no headers at all"}, "RFC 822"),
])
def test_invalid_records_are_refused_with_a_reason(record, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        from_record(record)


@pytest.mark.parametrize("record", [
    {"id": "1", "channel": "fax", "body": "CANARY-7f3a"},
    {"id": "1", "channel": "email", "body": "CANARY-7f3a", "recipient": {"name": 3}},
    {"id": "1", "channel": "email", "raw": "CANARY-7f3a no headers"},
])
def test_error_messages_never_echo_message_text(record):
    with pytest.raises(ValueError) as info:
        from_record(record)
    assert "CANARY" not in str(info.value)


def test_long_text_is_truncated_to_the_documented_prefix():
    m = from_record({"id": "l", "channel": "sms", "body": "a" * (MAX_TEXT_CHARS + 10)})
    assert m.truncated and len(m.text) == MAX_TEXT_CHARS
