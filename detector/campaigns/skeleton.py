"""The recipient-masked skeleton a campaign is recognised by.

Copies of one template sent to different people differ in the reader's own details (the
IDENTITY_SLOTS hits) and in volatile particulars (numbers, dates, links, addresses); both are
replaced by type tokens (detector.masking), so what is left is the template's own wording.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Mapping

from detector.campaigns.boilerplate import own_text
from detector.masking import figures, skeleton
from detector.message import Message
from detector.signals import Hit

SKELETON_CHARS = 20_000
"""Only the first this-many characters of the scored text are fingerprinted (templates are short)."""
WORD = re.compile(r"[^\W_]+")
"""A word: letters and digits, any script."""
SENDER_TOKEN = "xsendernamex"


def identity_slots(hits: Mapping[str, Hit]) -> list[Mapping]:
    return list(hits["IDENTITY_SLOTS"].data.get("slots", [])) if "IDENTITY_SLOTS" in hits else []


def own_skeleton(message: Message, hits: Mapping[str, Hit]) -> tuple[tuple[str, ...], list[Mapping], tuple[str, ...]]:
    """Words of the writer's own text (boilerplate and passed-on text blanked), masked, lower-cased,
    NFKC-normalised (punctuation and spacing dropped), the identity slots masked in it, and the
    figures its masks hide; the sender's own name is masked too (campaigns rotate sending inboxes)."""
    text = message.text[:SKELETON_CHARS]
    own = own_text(text)
    slots = [s for s in identity_slots(hits)
             if s["end"] <= len(text) and own[s["start"] : s["end"]] == text[s["start"] : s["end"]]]
    words = WORD.findall(unicodedata.normalize("NFKC", skeleton(own, slots)))
    sender = set(WORD.findall((message.sender.name or "").lower()))
    return tuple(SENDER_TOKEN if w in sender else w for w in words), slots, figures(own, slots)
