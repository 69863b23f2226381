"""TOO_LITTLE_TEXT: a message so short ("hi", "ok see you") that its wording cannot tell a template
from a note. The policy shrinks the text model's say in proportion (detector.features) and, unless
something conclusive fired (an unfilled merge tag, a campaign copy), leans personal (detector.policy).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from itertools import islice

from detector.message import Message
from detector.signals.base import Hit, Signal

MIN_WORDS = 6
"""Below this many words the text model's logit is scaled by words / MIN_WORDS."""
_WORD = re.compile(r"\w+")


def word_count(text: str, limit: int) -> int:
    """Words in `text`, counting no further than `limit` (a long text costs no more than a short one)."""
    return sum(1 for _ in islice(_WORD.finditer(text), limit))


class TooLittleText(Signal):
    """TOO_LITTLE_TEXT: a message too short to judge by its wording."""

    code = "TOO_LITTLE_TEXT"

    def detect(self, message: Message, found: Mapping[str, Hit]) -> Hit | None:
        """A hit when the text has under MIN_WORDS words (strength 0: it scales the text model instead)."""
        words = word_count(message.text, MIN_WORDS)
        if words >= MIN_WORDS:
            return None
        return self.hit(message, [(0, len(message.text))] if message.text else [], strength=0.0, words=words)
