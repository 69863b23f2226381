"""Contract input records turned into one normalised `Message`.

Every interface (CLI, API, batch, training) builds messages here, so the text that
signals and models score, and that result offsets index, is defined in one place:
subject + blank line + new body text for email, the body alone otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from detector.contract import CHANNELS
from detector.parsing import html as html_text
from detector.parsing import quotes, rfc822, transcripts

MAX_TEXT_CHARS = 1_000_000
"""Texts longer than this are scored on this prefix (and flagged with a reason)."""


class InvalidMessage(ValueError):
    """The record cannot be scored; the message says why, never what the text was."""


@dataclass(frozen=True)
class Person:
    """A sender or recipient as the record gives them (blank fields are None): what signals match slots against."""

    name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    title: str | None = None
    email: str | None = None
    location: str | None = None
    school: str | None = None
    profile_url: str | None = None

    @classmethod
    def from_mapping(cls, data: Any, what: str) -> Person:
        """The record's `what` object (sender or recipient); unknown keys are ignored, non-strings refused."""
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise InvalidMessage(f"'{what}' must be an object")
        known = {k: data.get(k) for k in cls.__dataclass_fields__}
        for key, value in known.items():
            if value is not None and not isinstance(value, str):
                raise InvalidMessage(f"'{what}.{key}' must be a string")
        return cls(**{k: (v.strip() or None) if isinstance(v, str) else None for k, v in known.items()})

    @property
    def is_empty(self) -> bool:
        """True when nothing is known about the person."""
        return not any(getattr(self, k) for k in self.__dataclass_fields__)


@dataclass(frozen=True)
class ThreadItem:
    """An earlier message of the thread, and whether the inbox owner wrote it (None: unknown)."""

    from_recipient: bool | None
    body: str


@dataclass(frozen=True)
class Message:
    """One normalised input record: the scored text and what signals read beside it."""

    id: str
    channel: str
    text: str
    """The scored text; every evidence offset indexes into it."""
    body_start: int
    """Offset in `text` where the body begins (after subject + blank line)."""
    subject: str | None = None
    sender: Person = field(default_factory=Person)
    recipient: Person = field(default_factory=Person)
    headers: Mapping[str, str] = field(default_factory=dict)
    """Header names lower-cased."""
    links: tuple[str, ...] = ()
    """URLs and image sources from the HTML body (for tracking-link and pixel signals)."""
    quoted: str | None = None
    """Quoted earlier messages cut from the body (not scored, used as thread context)."""
    signature: str | None = None
    thread: tuple[ThreadItem, ...] = ()
    sent_at: str | None = None
    truncated: bool = False
    audio_path: str | None = None

    @property
    def body(self) -> str:
        """The scored text without the subject."""
        return self.text[self.body_start:]


def _string(record: Mapping[str, Any], key: str) -> str | None:
    value = record.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidMessage(f"'{key}' must be a string")
    return value


def _thread(value: Any) -> tuple[ThreadItem, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise InvalidMessage("'thread' must be a list")
    items = []
    for i, item in enumerate(value):
        if not isinstance(item, Mapping) or not isinstance(item.get("body"), str):
            raise InvalidMessage(f"'thread[{i}]' must be an object with a string 'body'")
        flag = item.get("from_recipient")
        items.append(ThreadItem(from_recipient=flag if isinstance(flag, bool) else None, body=item["body"]))
    return tuple(items)


def _headers(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidMessage("'headers' must be an object")
    return {str(k).lower(): str(v) for k, v in value.items()}


def from_record(record: Any) -> Message:
    """Validate one contract input record and normalise it into a `Message`.

    `raw` is a string in JSON records; Python callers (the mail readers) pass the message's bytes.
    """
    if not isinstance(record, Mapping):
        raise InvalidMessage("a record must be a JSON object")
    msg_id = record.get("id")
    if not isinstance(msg_id, str) or not msg_id:
        raise InvalidMessage("'id' is required and must be a non-empty string")
    channel = record.get("channel")
    if channel not in CHANNELS:
        raise InvalidMessage(f"'channel' must be one of {', '.join(CHANNELS)}")

    subject = _string(record, "subject")
    body = _string(record, "body")
    body_html = _string(record, "body_html")
    raw = record.get("raw")
    if raw is not None and not isinstance(raw, (str, bytes)):
        raise InvalidMessage("'raw' must be a string")
    audio_path = _string(record, "audio_path")
    headers = _headers(record.get("headers"))
    sender = Person.from_mapping(record.get("sender"), "sender")
    recipient = Person.from_mapping(record.get("recipient"), "recipient")
    links: tuple[str, ...] = ()

    if raw is not None:
        parsed = rfc822.parse(raw)
        headers = {**parsed.headers, **headers}
        subject = subject if subject is not None else parsed.subject
        body = body if body is not None else parsed.text
        body_html = body_html if body_html is not None else parsed.html
        if body is None and body_html is None:
            body = ""  # a message without a text part: its subject, if any, is what there is to score
        if sender.is_empty:
            sender = Person(name=parsed.sender_name, email=parsed.sender_email)
        if recipient.is_empty and parsed.to_email:
            recipient = Person(name=parsed.to_name, email=parsed.to_email)
    if body_html is not None:
        rendered = html_text.to_text(body_html)
        links = rendered.links
        if body is None or not body.strip():
            body = rendered.text
    if body is None:
        if audio_path is not None:
            body = ""
        else:
            raise InvalidMessage("one of 'body', 'body_html', 'raw' or 'audio_path' is required")
    if channel in ("video_transcript", "voicemail"):
        body = transcripts.flatten(body)

    split = quotes.split(body)
    new_text, quoted, signature = split.new_text, split.quoted, split.signature
    thread = _thread(record.get("thread"))
    if quoted:
        thread = thread + (ThreadItem(from_recipient=quotes.quoted_author_is(split, recipient), body=quoted),)

    prefix = f"{subject.strip()}\n\n" if channel == "email" and subject and subject.strip() else ""
    text = prefix + new_text.strip()
    truncated = len(text) > MAX_TEXT_CHARS
    if truncated:
        text = text[:MAX_TEXT_CHARS]
    if not text.strip() and audio_path is None:
        raise InvalidMessage("the message has no text to score")
    return Message(
        id=msg_id,
        channel=channel,
        text=text,
        body_start=min(len(prefix), len(text)),
        subject=subject.strip() if subject else None,
        sender=sender,
        recipient=recipient,
        headers=headers,
        links=links,
        quoted=quoted,
        signature=signature,
        thread=thread,
        sent_at=_string(record, "sent_at"),
        truncated=truncated,
        audio_path=audio_path,
    )
