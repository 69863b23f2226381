"""The one mail reader: raw RFC 822 / MIME bytes to headers, the best text part and the HTML part.

`sincere score`, `sincere scan`, the API and training all read mail here. It reads as mail
clients display mail: transfer encodings are undone before any charset is chosen, a part's
charset comes only from its Content-Type header (then its aliases, then a detector), headers in
any charset or raw 8-bit are decoded, and multiparts without their closing boundary (or with no
boundary at all) give the text that is there. Work is linear in the input: the header block is
cut at MAX_HEADER_FIELDS fields / MAX_HEADER_BYTES, and HTML goes through detector.parsing.html.
"""

from __future__ import annotations

import codecs
import email
import re
from dataclasses import dataclass
from email.header import decode_header
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import getaddresses
from functools import lru_cache

from charset_normalizer import from_bytes

MAX_HEADER_FIELDS = 1_000
"""Header fields read (real mail has under 100; a mail loop's trace headers a few hundred)."""
MAX_HEADER_BYTES = 256 * 1024
BINARY_PROBE = 65_536
"""A NUL byte in this prefix means the bytes are not a mail message (images, archives)."""
DETECT_BYTES = 64 * 1024
"""The charset detector reads this much of a part whose declared charset does not fit it."""
DETECTED_CHARSETS = ("utf_8", "cp1252", "cp1251", "koi8_r", "cp1253", "cp1254", "cp932", "euc_jp", "iso2022_jp",
                     "gb18030", "big5", "cp949", "cp874")
"""What undeclared 8-bit mail is written in; the detector chooses among these (with all of its
codecs it reads short Latin-1 text as EBCDIC or Arabic)."""

_HEADER_END = re.compile(rb"\r?\n\r?\n")
_FIELD_START = re.compile(rb"[^\s:][^:\r\n]*:")
_QUOTED_PRINTABLE_RESIDUE = re.compile(r"^(?:3d)+", re.IGNORECASE)
_CHARSET_ALIASES = {
    # What mail software writes, as Python's codecs name it (WHATWG encoding rules where they differ).
    "iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "iso_8859-1": "cp1252",
    "iso-8859-9": "cp1254", "iso-8859-11": "cp874", "tis-620": "cp874", "windows-874": "cp874",
    "ks_c_5601-1987": "cp949", "ks_c_5601": "cp949", "euc-kr": "cp949", "x-sjis": "shift_jis",
    "shift-jis": "shift_jis", "sjis": "shift_jis", "x-euc-jp": "euc_jp", "gb2312": "gb18030", "gbk": "gb18030",
    "x-gbk": "gb18030", "iso-8859-8-i": "iso-8859-8", "x-mac-roman": "mac_roman", "macintosh": "mac_roman",
    "utf8": "utf-8", "x-unknown": "", "unknown-8bit": "", "x-user-defined": "", "default": "",
}


class UndecodableMessage(ValueError):
    """The raw message could not be parsed into text; the message says why, never what the text was."""


@dataclass(frozen=True)
class ParsedEmail:
    """What the engine needs of a message: decoded headers by lower-cased name (first value of each), the
    best plain-text part, the HTML part, and the first From and To address."""

    headers: dict[str, str]
    subject: str | None
    text: str | None
    html: str | None
    sender_name: str | None
    sender_email: str | None
    to_name: str | None
    to_email: str | None
    dropped_headers: int = 0
    """Header fields past MAX_HEADER_FIELDS / MAX_HEADER_BYTES, not read."""


@lru_cache(maxsize=512)
def codec_name(declared: str | None) -> str | None:
    """The codec for a declared charset (quotes, `3D` left by quoted-printable, aliases), or None."""
    if not declared:
        return None
    name = _QUOTED_PRINTABLE_RESIDUE.sub("", declared.strip().strip("\"'").strip()).strip("\"'").lower()
    name = _CHARSET_ALIASES.get(name, name)
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except (LookupError, ValueError):
        return None


def decode_text(data: bytes, declared: str | None = None, utf8_first: bool = False) -> str:
    """Bytes to text: the declared charset when the bytes fit it, else UTF-8, else a detector's guess.

    `utf8_first` for bytes that came from a string (a JSON `raw`): they are UTF-8 whatever the
    headers declare.
    """
    codec = codec_name(declared)
    for candidate in dict.fromkeys(("utf-8", codec) if utf8_first else (codec, "utf-8")):
        if candidate is None:
            continue
        try:
            return data.decode(candidate)
        except UnicodeDecodeError:
            continue
    guess = from_bytes(data[:DETECT_BYTES], cp_isolation=list(DETECTED_CHARSETS)).best()
    encoding = guess.encoding if guess is not None else "cp1252"
    return data.decode(encoding, errors="replace")


def _as_bytes(raw: bytes | str) -> bytes:
    if isinstance(raw, bytes):
        return raw
    # Lone surrogates (surrogate-escaped bytes, or JSON's \udcXX) go back to bytes; others are dropped.
    try:
        return raw.encode("utf-8", errors="surrogateescape")
    except UnicodeEncodeError:
        return raw.encode("utf-8", errors="ignore")


def _capped_headers(data: bytes) -> tuple[bytes, int]:
    """The message with its header block cut to the caps (the body untouched), and the fields dropped."""
    end = _HEADER_END.search(data)
    block_end = end.start() if end else len(data)
    if block_end <= MAX_HEADER_BYTES and data.count(b"\n", 0, block_end) < MAX_HEADER_FIELDS:
        return data, 0
    fields = kept_fields = kept = 0
    full = False
    for line in data[:block_end].splitlines(keepends=True):
        starts = _FIELD_START.match(line) is not None
        fields += starts
        full = full or fields > MAX_HEADER_FIELDS or kept + len(line) > MAX_HEADER_BYTES
        if not full:  # a prefix of whole lines: what follows the first line over a cap is dropped
            kept += len(line)
            kept_fields += starts
    return data[:kept].rstrip(b"\r\n") + data[block_end:], fields - kept_fields


def header_text(value: object) -> str | None:
    """A header value as text: RFC 2047 words by their charset, raw 8-bit bytes by detection."""
    if value is None:
        return None
    raw = str(value)
    try:
        chunks = decode_header(raw)
    except Exception:  # the email package raises many types on hostile input (HeaderParseError, binascii.Error)
        chunks = [(raw, None)]
    pieces = []
    for chunk, charset in chunks:
        if isinstance(chunk, str):
            chunk = chunk.encode("utf-8", errors="surrogateescape")
        pieces.append(decode_text(chunk, charset))
    text = "".join(pieces) if len(chunks) > 1 else (pieces[0] if pieces else "")
    text = " ".join(text.split()) if "\n" in text or "\r" in text else text.strip()
    return text or None


def addresses(value: object) -> list[tuple[str | None, str | None]]:
    """(display name, address) pairs of an address header, names decoded; address lower-cased."""
    if value is None:
        return []
    try:
        pairs = getaddresses([str(value)])
    except Exception:  # the email package raises many types on hostile input
        return []
    found = []
    for name, addr in pairs:
        name = header_text(name) if name else None
        addr = header_text(addr) if addr else None
        if name or addr:
            found.append((name, addr.lower() if addr else None))
    return found


def _part_text(part: Message, utf8_first: bool) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        payload = _as_bytes(str(payload or ""))
    charset = part.get_param("charset")
    return decode_text(payload, charset if isinstance(charset, str) else None, utf8_first)


def _leaves(msg: Message) -> list[Message]:
    try:
        return [part for part in msg.walk() if not part.is_multipart()]
    except Exception:  # the email package raises many types on hostile input
        return [msg]


def _bodies(msg: Message, utf8_first: bool) -> tuple[str | None, str | None]:
    """The first text/plain and text/html parts that are not attachments, as mail clients pick them."""
    text = html = None
    for part in _leaves(msg):
        if part.get_content_disposition() == "attachment":
            continue
        ctype = part.get_content_type()
        if ctype.startswith("multipart/"):
            ctype = "text/plain"  # no boundary found: clients show the body as text
        if ctype == "text/plain" and text is None:
            text = _part_text(part, utf8_first)
        elif ctype == "text/html" and html is None:
            html = _part_text(part, utf8_first)
    return text, html


def _readable(raw: bytes | str) -> tuple[bytes, int]:
    """The bytes to parse (mbox separator line gone, header block capped) and header fields dropped."""
    data = _as_bytes(raw)
    if not data.strip():
        raise UndecodableMessage("empty message")
    if b"\x00" in data[:BINARY_PROBE]:
        raise UndecodableMessage("binary data, not an e-mail message")
    if data.startswith(b"From "):
        data = data.split(b"\n", 1)[1] if b"\n" in data else b""  # mbox separator line
    return _capped_headers(data)


def _first_values(msg: Message) -> dict[str, str]:
    """Each header's first value, undecoded, by lower-cased name."""
    found: dict[str, str] = {}
    for key, value in msg.raw_items():
        found.setdefault(key.lower(), value)
    return found


def raw_headers(raw: bytes | str) -> dict[str, str]:
    """Only the header block, undecoded (pass values to header_text / addresses): for readers that
    need a message's sender, date or labels without reading its body."""
    data, _ = _readable(raw)
    end = _HEADER_END.search(data)
    try:
        return _first_values(BytesHeaderParser(policy=compat32).parsebytes(data[:end.end()] if end else data))
    except Exception as exc:  # the email package raises many types on hostile input
        raise UndecodableMessage(f"unreadable headers ({type(exc).__name__})") from None


def _message(data: bytes) -> Message:
    """The parsed message. A single-part body is attached as it is: the email package's parser
    reads bodies line by line in Python (1 MB of empty lines: 2.8 s), needed only to find parts
    (multipart) and attached messages (message/rfc822)."""
    end = _HEADER_END.search(data)
    if end is not None:
        msg = BytesHeaderParser(policy=compat32).parsebytes(data[:end.end()])
        if msg.get_content_maintype() not in ("multipart", "message"):
            msg.set_payload(data[end.end():].decode("ascii", errors="surrogateescape"))  # as the parser keeps it
            return msg
    return email.message_from_bytes(data, policy=compat32)


def parse(raw: bytes | str) -> ParsedEmail:
    """Parse a whole message, bytes as read from mail files (a string is taken as its UTF-8 bytes)."""
    data, dropped = _readable(raw)
    try:
        msg = _message(data)
    except Exception as exc:  # the email package raises many types on hostile input
        raise UndecodableMessage(f"not a parseable RFC 822 message ({type(exc).__name__})") from None
    if not msg.keys():
        raise UndecodableMessage("no RFC 822 headers")
    raw_headers = _first_values(msg)
    headers = {key: text for key, value in raw_headers.items() if (text := header_text(value)) is not None}
    text, html = _bodies(msg, utf8_first=isinstance(raw, str))
    senders, recipients = addresses(raw_headers.get("from")), addresses(raw_headers.get("to"))
    sender_name, sender_email = senders[0] if senders else (None, None)
    to_name, to_email = recipients[0] if recipients else (None, None)
    return ParsedEmail(headers=headers, subject=headers.get("subject"), text=text, html=html,
                       sender_name=sender_name, sender_email=sender_email, to_name=to_name, to_email=to_email,
                       dropped_headers=dropped)
