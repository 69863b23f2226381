"""Raw RFC 822: 8-bit bodies decode by their declared charset, whatever reader produced the string."""

import pytest

from detector.parsing.rfc822 import UndecodableMessage, parse
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
