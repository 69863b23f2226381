"""Raw RFC 822 / MIME messages: headers, the best text part and the HTML part."""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import getaddresses


class UndecodableMessage(ValueError):
    """The raw message could not be parsed into text."""


@dataclass(frozen=True)
class ParsedEmail:
    headers: dict[str, str]
    subject: str | None
    text: str | None
    html: str | None
    sender_name: str | None
    sender_email: str | None
    to_name: str | None
    to_email: str | None


def _part_text(part: EmailMessage) -> str | None:
    try:
        content = part.get_content()
    except (LookupError, UnicodeError, ValueError, AssertionError):
        payload = part.get_payload(decode=True) or b""
        charset = part.get_content_charset() or "utf-8"
        try:
            content = payload.decode(charset, errors="replace")
        except LookupError:
            content = payload.decode("latin-1")
    return content if isinstance(content, str) else None


def _first_address(value: str | None) -> tuple[str | None, str | None]:
    if not value:
        return None, None
    try:
        pairs = getaddresses([value])
    except (TypeError, ValueError, IndexError):
        return None, None
    for name, addr in pairs:
        if addr or name:
            return (name or None), (addr or None)
    return None, None


def _header(msg: EmailMessage, name: str) -> str | None:
    try:
        value = msg.get(name)
    except (TypeError, ValueError, IndexError):
        return None
    return str(value) if value is not None else None


def parse(raw: str) -> ParsedEmail:
    """Parse a whole message; headers of any charset, multipart bodies, any transfer encoding."""
    if not raw.strip():
        raise UndecodableMessage("'raw' is empty")
    if raw.startswith("From ") and "\n" in raw:
        raw = raw.split("\n", 1)[1]  # mbox separator line
    try:
        # Back to bytes (undoing the surrogateescape readers use), so 8-bit bodies decode by their
        # own declared charset rather than being taken as already-decoded text.
        msg = email.message_from_bytes(raw.encode("utf-8", "surrogateescape"), policy=email.policy.default)
    except Exception as exc:  # the email package raises many types on hostile input
        raise UndecodableMessage(f"'raw' is not a parseable RFC 822 message ({type(exc).__name__})") from None
    if not msg.keys():
        raise UndecodableMessage("'raw' has no RFC 822 headers")
    headers: dict[str, str] = {}
    for key in msg.keys():
        value = _header(msg, key)
        if value is not None:
            headers.setdefault(key.lower(), value)
    text = html = None
    try:
        parts = list(msg.walk())
    except Exception:
        parts = [msg]
    for part in parts:
        if part.is_multipart() or part.get_content_disposition() == "attachment":
            continue
        ctype = part.get_content_type()
        if ctype == "text/plain" and text is None:
            text = _part_text(part)
        elif ctype == "text/html" and html is None:
            html = _part_text(part)
    sender_name, sender_email = _first_address(headers.get("from"))
    to_name, to_email = _first_address(headers.get("to"))
    return ParsedEmail(
        headers=headers,
        subject=headers.get("subject"),
        text=text,
        html=html,
        sender_name=sender_name,
        sender_email=sender_email,
        to_name=to_name,
        to_email=to_email,
    )
