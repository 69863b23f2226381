"""Raw RFC 822: 8-bit bodies decode by their declared charset, whatever reader produced the string."""

import pytest

from detector.parsing.rfc822 import MAX_HEADER_FIELDS, UndecodableMessage, parse
from detector.reading import eml_record

HEAD = "From: Ana <a@x.org>\nTo: Ben <b@y.org>\nSubject: hi\nContent-Transfer-Encoding: 8bit\n"


def test_utf8_eight_bit_body_from_a_json_string():
    raw = HEAD + "Content-Type: text/plain; charset=utf-8\n\nHi Dana — café\n"
    assert parse(raw).text == "Hi Dana — café\n"


def test_latin1_eight_bit_body_read_from_an_eml_file(tmp_path):
    path = tmp_path / "m.eml"
    path.write_bytes(HEAD.encode() + b"Content-Type: text/plain; charset=iso-8859-1\n\nCaf\xe9 cr\xe8me\n")
    assert parse(eml_record(path)["raw"]).text == "Café crème\n"


@pytest.mark.parametrize("raw", ["", "   \n", "no headers at all, just prose"])
def test_unreadable_raw_is_a_clear_error(raw):
    with pytest.raises(UndecodableMessage):
        parse(raw)


def _message(content_type: str, body: bytes, *, encoding: str = "8bit", head: bytes = b"") -> bytes:
    return (b"From: Ana <a@x.org>\nTo: Ben <b@y.org>\nSubject: hi\n" + head + b"Content-Type: " + content_type.encode()
            + b"\nContent-Transfer-Encoding: " + encoding.encode() + b"\n\n" + body)


@pytest.mark.parametrize(("charset", "text"), [
    ("iso-8859-1", "Caf\u00e9 cr\u00e8me, \u00e0 bient\u00f4t"),
    ("windows-1252", "\u201cQuoted\u201d \u2014 \u20ac5 na\u00efve"),
    ("shift_jis", "\u3053\u3093\u306b\u3061\u306f\u3001\u4e16\u754c"),
    ("x-sjis", "\u3053\u3093\u306b\u3061\u306f"),  # an alias Python's codecs do not know
    ('"3D\\"utf-8\\""', "caf\u00e9"),  # a quoted-printable residue mail software leaves in the header
])
def test_a_part_decodes_by_its_declared_charset_and_its_aliases(charset, text):
    codec = {"x-sjis": "shift_jis", '"3D\\"utf-8\\""': "utf-8"}.get(charset, charset)
    parsed = parse(_message(f"text/plain; charset={charset}", text.encode(codec) + b"\n"))
    assert parsed.text == text + "\n"


def test_an_unknown_charset_falls_back_to_utf8_then_to_detection():
    assert parse(_message("text/plain; charset=x-no-such", "d\u00e9j\u00e0 vu\n".encode())).text == "d\u00e9j\u00e0 vu\n"
    japanese = "\u3053\u3093\u306b\u3061\u306f\u3001\u4e16\u754c\u306e\u307f\u306a\u3055\u3093\u3002\u304a\u5143\u6c17\u3067\u3059\u304b\u3002"
    assert parse(_message("text/plain; charset=x-no-such", japanese.encode("shift_jis"))).text == japanese


def test_quoted_printable_is_undone_before_charsets_and_charset_in_the_body_is_ignored():
    body = b'<meta charset=3D"utf-8"><p>caf=C3=A9 charset=3Dx-bogus-name</p>\n'
    parsed = parse(_message("text/html; charset=utf-8", body, encoding="quoted-printable"))
    assert parsed.html == '<meta charset="utf-8"><p>caf\u00e9 charset=x-bogus-name</p>\n'


def test_rfc2047_and_raw_eight_bit_headers_decode():
    head = b"X-Note: caf\xc3\xa9 cr\xc3\xa8me\n"
    raw = (b"From: =?iso-8859-1?q?Ren=E9_M=FCller?= <Rene@X.org>\nTo: \"Doe, Jane\" <jane@y.org>\n"
           b"Subject: =?shift_jis?b?grGC8YLJgr+CzQ==?= =?utf-8?q?caf=C3=A9?=\n" + head + b"\nbody\n")
    parsed = parse(raw)
    assert (parsed.sender_name, parsed.sender_email) == ("Ren\u00e9 M\u00fcller", "rene@x.org")
    assert (parsed.to_name, parsed.to_email) == ("Doe, Jane", "jane@y.org")
    assert parsed.subject == "\u3053\u3093\u306b\u3061\u306fcaf\u00e9"
    assert parsed.headers["x-note"] == "caf\u00e9 cr\u00e8me"


def test_a_string_raw_is_utf8_whatever_the_part_declares():
    raw = "From: a@x.org\nSubject: s\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: 8bit\n\ncaf\u00e9\n"
    assert parse(raw).text == "caf\u00e9\n"


def test_multiparts_without_boundaries_or_their_end_give_the_text_that_is_there():
    no_boundary = _message('multipart/alternative; boundary="XYZ"', b"just the text, no parts\n")
    assert parse(no_boundary).text == "just the text, no parts\n"
    unterminated = _message('multipart/mixed; boundary="B1"',
                            b"--B1\nContent-Type: text/plain\n\nfirst part\n--B1\nContent-Type: text/html\n\n<p>cut")
    parsed = parse(unterminated)
    assert parsed.text == "first part" and parsed.html == "<p>cut"


def test_header_fields_past_the_cap_are_dropped_not_read():
    many = "".join(f"X-Trace-{i}: hop\n" for i in range(MAX_HEADER_FIELDS + 500))
    parsed = parse((many + "Subject: late\n\nthe body\n").encode())
    assert parsed.dropped_headers == 501 and parsed.text == "the body\n" and parsed.subject is None


def test_binary_and_empty_input_are_named():
    with pytest.raises(UndecodableMessage, match="binary data"):
        parse(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(UndecodableMessage, match="empty"):
        parse(b"\n\n")


def test_a_header_block_over_the_byte_cap_keeps_whole_lines_only():
    from detector.parsing.rfc822 import MAX_HEADER_BYTES

    huge = b"X-Big: " + b"a" * MAX_HEADER_BYTES + b"\n"
    parsed = parse(b"Subject: kept\n" + huge + b"X-Small: also dropped\n\nthe body\n")
    assert parsed.subject == "kept" and parsed.dropped_headers == 2 and parsed.text == "the body\n"
    assert "x-small" not in parsed.headers and "x-big" not in parsed.headers


def test_a_broken_encoded_word_is_kept_as_written():
    """Found by benchmarks/mail_fuzz.py: a base64 word of the wrong length raised HeaderParseError."""
    parsed = parse(b"From: a@x.org\nSubject: =?utf-8?b?SGVsbG8gV29ybGQhI?=\n\nbody\n")
    assert parsed.subject == "=?utf-8?b?SGVsbG8gV29ybGQhI?=" and parsed.text == "body\n"
