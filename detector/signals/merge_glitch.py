"""MERGE_GLITCH: a filled merge field that no person would have typed that way.

"Hi JOHN", "hi john," amid normal casing, "Hi John Smith,", "at Acme Corp, Inc.", "Hi Acme,",
"Hi VP of Sales": the database value went in verbatim or into the wrong slot. Casing is
only judged when the rest of the body is normally cased, so all-lower-case ASR transcripts
(voicemail, video) never fire.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from detector.message import Message
from detector.signals.base import Hit, Signal, identity_slots
from detector.signals.identity_slots import NAME_TYPES, SUFFIX_END, addressed, at_greeting

_FORMAL_SUFFIX = re.compile(
    r"[,\s](?:inc|incorporated|llc|l\.l\.c|ltd|limited|gmbh|plc|llp|ag|s\.a|sa|b\.v|bv|n\.v|nv|pty|oy|srl"
    r"|s\.r\.l|sas|kg|pvt)\.?$",
    re.IGNORECASE,
)
"""Suffixes people never say; Corp and Co only count when the reader's company field lacks them."""
_ADDRESS_END = re.compile(r"[ \t]*(?:[,!:.\n]|$)")
_FIELD_TYPES = ("company", "title", "location", "school", "email", "website")
_LETTER = re.compile(r"[^\W\d_]")
_UPPER = re.compile(r"[A-ZÀ-ÖØ-Þ]")


def _normally_cased(message: Message, slots: list[dict]) -> bool:
    """Whether the body outside the slots has some, but mostly not, upper-case letters."""
    inside = "".join(s["text"] for s in slots if s["start"] >= message.body_start)  # slots in the body
    letters = len(_LETTER.findall(message.body)) - len(_LETTER.findall(inside))
    upper = len(_UPPER.findall(message.body)) - len(_UPPER.findall(inside))
    return letters >= 8 and 0 < upper < letters / 2


class MergeGlitch(Signal):
    """MERGE_GLITCH: a merge field filled in wrong (casing, full name or company for a first name)."""

    code = "MERGE_GLITCH"
    requires = ("IDENTITY_SLOTS",)

    def detect(self, message: Message, found: Mapping[str, Hit]) -> Hit | None:
        """Name slots whose form betrays a mail merge."""
        if "IDENTITY_SLOTS" not in found:
            return None
        slots = identity_slots(found)
        text = message.text
        normal_case = None
        spans, kinds = [], set()
        for slot in slots:
            s, e, kind, value = slot["start"], slot["end"], slot["type"], slot["text"]
            slot_kinds = []
            odd_case = len(value) > 1 and (value.isupper() or value.islower())
            if kind in NAME_TYPES and odd_case and addressed(text, s, e):
                if normal_case is None:
                    normal_case = _normally_cased(message, slots)
                if normal_case:
                    slot_kinds.append("name_case")
            if kind == "full_name" and at_greeting(text, s, e):
                slot_kinds.append("full_name_greeting")
            if kind == "company" and SUFFIX_END.search(value) and (
                _FORMAL_SUFFIX.search(value) or not SUFFIX_END.search(message.recipient.company or "")
            ):
                slot_kinds.append("legal_suffix")
            if kind in _FIELD_TYPES and at_greeting(text, s, e, vocative=False) and _ADDRESS_END.match(text, e):
                slot_kinds.append("field_as_name")
            if slot_kinds:
                spans.append((s, e))
                kinds.update(slot_kinds)
        if not spans:
            return None
        return self.hit(message, spans, kinds=sorted(kinds))
