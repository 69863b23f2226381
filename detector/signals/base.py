"""The one small contract every signal keeps (after Presidio's recognizers and Rspamd's symbols).

A signal looks at a `Message` (and at the hits of signals registered before it) and
returns a `Hit` or None. Its description, group and weight bounds are not set here but in the
reason catalogue (detector.reasons), keyed by the signal's stable code; fitted weights live in
the policy config, so they can be retuned without touching detection.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from detector.message import Message
from detector.reasons import IDENTITY_SLOTS, reason

CODE_PATTERN = re.compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$")


@dataclass(frozen=True)
class Evidence:
    """A span of the scored text that shows a reason, with its text repeated for clients."""

    start: int
    end: int
    text: str

    @classmethod
    def of(cls, text: str, start: int, end: int) -> Evidence:
        """The span [start, end) of `text`."""
        return cls(start=start, end=end, text=text[start:end])

    def as_dict(self) -> dict[str, Any]:
        """The contract's `{start, end, text}`."""
        return {"start": self.start, "end": self.end, "text": self.text}


@dataclass(frozen=True)
class Hit:
    """One reason found in one message: its evidence, strength and findings for later steps."""

    code: str
    evidence: tuple[Evidence, ...] = ()
    strength: float = 1.0
    """How strongly this message shows the signal, 0..1 (scales the policy weight)."""
    data: Mapping[str, Any] = field(default_factory=dict)
    """Structured findings other parts need (identity slots, depth, kinds of pattern)."""


class Signal:
    """One detector of one reason code; subclasses set `code` (and `requires`) and implement `detect`."""

    code: ClassVar[str]
    requires: ClassVar[tuple[str, ...]] = ()
    """Codes of signals whose hits this one reads; they must be registered earlier."""

    @property
    def description(self) -> str:
        """What the signal means to a reader, from the reason catalogue."""
        return reason(self.code).description

    def detect(self, message: Message, found: Mapping[str, Hit]) -> Hit | None:
        """The hit on `message` (reading the hits `found` so far), or None."""
        raise NotImplementedError

    def hit(self, message: Message, spans: list[tuple[int, int]], strength: float = 1.0, **data: Any) -> Hit:
        """Build a hit whose evidence spans repeat the scored text, sorted and de-duplicated."""
        evidence = tuple(Evidence.of(message.text, s, e) for s, e in sorted(set(spans)))
        return Hit(code=self.code, evidence=evidence, strength=strength, data=data)


def identity_slots(hits: Mapping[str, Hit]) -> list[Mapping[str, Any]]:
    """The reader's details found in the text (IDENTITY_SLOTS' slots), or none when that signal did not run."""
    return hits[IDENTITY_SLOTS].data.get("slots", []) if IDENTITY_SLOTS in hits else []
