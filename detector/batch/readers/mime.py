"""One RFC 822 message (bytes) from an mbox, Maildir or .eml file → one scan row.

Only the header block is parsed here (sender, date, labels, owner candidates); the engine parses
the MIME body. Checks that need the bytes (binary junk, truncation, unknown charsets) happen
here so the row carries the reason instead of a guess.
"""

from __future__ import annotations

import codecs
import re
from email.header import decode_header, make_header
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import getaddresses, parsedate_to_datetime
from functools import lru_cache
from typing import Any

_HEADER_END = re.compile(rb"\r?\n\r?\n")
_CHARSET = re.compile(rb"""charset\s*=\s*["']?([^"';\s]+)""", re.IGNORECASE)
_BOUNDARY = re.compile(rb"""boundary\s*=\s*(?:"([^"]+)"|([^\s;]+))""", re.IGNORECASE)
_LABEL = re.compile(r'"((?:[^"\\]|\\.)*)"|([^,]+)')
_PARSER = BytesHeaderParser(policy=compat32)


@lru_cache(maxsize=256)
def _known_charset(name: bytes) -> bool:
    try:
        codecs.lookup(name.decode("ascii", "replace"))
        return True
    except LookupError:
        return False


def _decoded(value: Any) -> str | None:
    if value is None:
        return None
    try:
        return str(make_header(decode_header(str(value)))).strip() or None
    except (LookupError, UnicodeError, ValueError, TypeError):
        return str(value).strip() or None


def _addresses(value: str | None) -> list[tuple[str | None, str | None]]:
    if not value:
        return []
    try:
        return [(name or None, addr.lower() or None) for name, addr in getaddresses([value]) if addr or name]
    except (TypeError, ValueError, IndexError):
        return []


def _iso_date(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).isoformat()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def gmail_labels(value: str | None) -> list[str]:
    """X-GM-LABELS: comma-separated, labels with commas or spaces quoted."""
    if not value:
        return []
    return [(quoted or bare).replace('\\"', '"').strip() for quoted, bare in _LABEL.findall(value) if (quoted or bare).strip()]


def problem(data: bytes, at_end_of_file: bool) -> str | None:
    """Why these bytes cannot be scored as an e-mail, or None."""
    if not data.strip():
        return "empty message"
    if b"\x00" in data[:65536]:
        return "binary data, not an e-mail message"
    end = _HEADER_END.search(data)
    if end is None:
        return "truncated: no blank line ends the headers" if at_end_of_file else "no blank line ends the headers"
    if at_end_of_file and not data.endswith(b"\n"):
        return "truncated: the file ends mid-message"
    boundary = _BOUNDARY.search(data[: end.end()])
    if boundary:
        delimiter = b"--" + (boundary.group(1) or boundary.group(2))
        if delimiter not in data[end.end():]:
            return "broken MIME: the multipart boundary never appears in the body"
        if at_end_of_file and delimiter + b"--" not in data:
            return "truncated: the multipart body has no closing boundary"
    for match in _CHARSET.finditer(data):
        if not _known_charset(match.group(1)):
            return f"unknown charset {match.group(1).decode('ascii', 'replace')[:40]!r}"
    return None


def email_row(data: bytes, row_id: str, source: str, at_end_of_file: bool = True) -> dict[str, Any]:
    """A scan row: the contract record (`raw` + sender/date) plus metadata, or a `read_error`."""
    row: dict[str, Any] = {"id": row_id, "channel": "email", "source": source}
    reason = problem(data, at_end_of_file)
    end = _HEADER_END.search(data)
    try:
        headers = _PARSER.parsebytes(data[: end.start() if end else 8192])
    except Exception:  # the email package raises many types on hostile input
        headers = None
    if headers is not None:
        senders = _addresses(_decoded(headers.get("From")))
        if senders:
            name, addr = senders[0]
            row["sender"] = {k: v for k, v in (("name", name), ("email", addr)) if v}
        row["sent_at"] = _iso_date(headers.get("Date"))
        row["labels"] = gmail_labels(_decoded(headers.get("X-GM-LABELS")))
        row["thread_id"] = _decoded(headers.get("X-GM-THRID"))
        row["_to"] = _addresses(_decoded(headers.get("Delivered-To"))) + _addresses(_decoded(headers.get("To")))
    if reason:
        row["read_error"] = reason
    else:
        row["raw"] = data.decode("utf-8", errors="surrogateescape")  # the parser restores the bytes
    return row
