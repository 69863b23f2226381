"""One RFC 822 message (bytes) from an mbox, Maildir or .eml file → one scan row.

The row carries the bytes as `raw` (never decoded text with escaped bytes: frames and Parquet
hold clean values) and the header facts owner inference and the report need (sender, date,
labels, recipients), read by the one mail reader (detector.parsing.rfc822). The engine reads the
body with that same reader, exactly as `sincere score` does.
"""

from __future__ import annotations

import re
from email.utils import parsedate_to_datetime
from typing import Any

from detector.parsing import rfc822

_LABEL = re.compile(r'"((?:[^"\\]|\\.)*)"|([^,]+)')


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


def email_row(data: bytes, row_id: str, source: str) -> dict[str, Any]:
    """A scan row: the contract record (`raw` + sender/date) plus metadata, or a `read_error`."""
    row: dict[str, Any] = {"id": row_id, "channel": "email", "source": source}
    try:
        headers = rfc822.raw_headers(data)
    except rfc822.UndecodableMessage as exc:
        row["read_error"] = str(exc)
        return row
    except Exception as exc:  # one message's bad bytes never stop a scan
        row["read_error"] = f"unreadable headers ({type(exc).__name__})"
        return row
    senders = rfc822.addresses(headers.get("from"))
    if senders:
        name, addr = senders[0]
        row["sender"] = {k: v for k, v in (("name", name), ("email", addr)) if v}
    row["sent_at"] = _iso_date(headers.get("date"))
    row["labels"] = gmail_labels(rfc822.header_text(headers.get("x-gm-labels")))
    row["thread_id"] = rfc822.header_text(headers.get("x-gm-thrid"))
    row["_to"] = rfc822.addresses(headers.get("delivered-to")) + rfc822.addresses(headers.get("to"))
    row["raw"] = data
    return row
