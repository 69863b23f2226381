"""The recipient-masked skeleton a campaign is recognised by.

Copies of one template sent to different people differ in the reader's own details (the
IDENTITY_SLOTS hits) and in volatile particulars (numbers, dates, links, addresses); both are
replaced by type tokens (detector.masking), so what is left is the template's own wording.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Mapping

from detector.masking import skeleton
from detector.message import Message
from detector.signals import Hit

SKELETON_CHARS = 20_000
"""Only the first this-many characters of the scored text are fingerprinted (templates are short)."""
_WORD = re.compile(r"[^\W_]+")
SENDER_TOKEN = "xsendernamex"
_PASSED_ON = re.compile(
    r"-{3,}\s*(?:forwarded by|original message|forwarded message)|^[ \t>]*from:[^\n]*\n[^\n]*\b(?:sent|to|date):",
    re.IGNORECASE | re.MULTILINE)
"""Where a forwarded or quoted message starts that the quote splitter left in the text: what
was passed on is someone else's text, so only the writer's own part is fingerprinted."""


def identity_slots(hits: Mapping[str, Hit]) -> list[Mapping]:
    return list(hits["IDENTITY_SLOTS"].data.get("slots", [])) if "IDENTITY_SLOTS" in hits else []


def skeleton_tokens(message: Message, hits: Mapping[str, Hit]) -> tuple[str, ...]:
    """Words of the writer's own text, masked, lower-cased, NFKC-normalised (punctuation and
    spacing dropped); the sender's own name is masked too (campaigns rotate sending inboxes)."""
    text = message.text[:SKELETON_CHARS]
    passed_on = _PASSED_ON.search(text)
    if passed_on:
        text = text[: passed_on.start()]
    slots = [s for s in identity_slots(hits) if s["end"] <= len(text)]
    words = _WORD.findall(unicodedata.normalize("NFKC", skeleton(text, slots)))
    sender = set(_WORD.findall((message.sender.name or "").lower()))
    return tuple(SENDER_TOKEN if w in sender else w for w in words)
