"""The recipient-masked skeleton a campaign is recognised by, and where its opening ends.

Copies of one template sent to different people differ in the reader's own details (the
IDENTITY_SLOTS hits) and in volatile particulars (numbers, dates, links, addresses); both are
replaced by type tokens (detector.masking), so what is left is the template's own wording.

AI-personalised outreach writes one opening line per prospect ("saw your post about...",
"congrats on the Series A...") above a pitch every prospect gets. The opening (`opening_ends`):
the greeting, then OPENING_SENTENCES sentences (fewer where the first paragraph ends sooner); what
follows is the pitch, fingerprinted apart (detector.campaigns.fingerprint).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import NamedTuple

from detector.campaigns.boilerplate import own_text
from detector.masking import figures, skeleton
from detector.message import Message
from detector.signals import Hit, identity_slots

SKELETON_CHARS = 20_000
"""Only the first this-many characters of the scored text are fingerprinted (templates are short)."""
WORD = re.compile(r"[^\W_]+")
"""A word: letters and digits, any script."""
SENDER_TOKEN = "xsendernamex"
OPENING_SENTENCES = 2
"""Sentences the opening is taken to be (one line written for the reader, perhaps a second about them)."""
PROBED_SENTENCES = 3
"""A copy looks for a campaign's pitch after each of its first this-many sentences too: an opener of
one or three sentences, or one run into the pitch's first paragraph, still finds it."""
OPENING_MAX_WORDS = 60
"""An opening longer than this is no opener: the message has no separate pitch."""
_GREETING = re.compile(r"\s*(?:(?:hi|hey|hello|dear|greetings|good (?:morning|afternoon|evening))\b[^,\n!:.]{0,40}"
                       r"(?:[,!:.-]|(?=\n))|[^\W\d_][\w' -]{0,30}[,!][ \t]*(?=\n))", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?]+[\"')\]]*(?=\s)|\n[ \t]*\n")


def opening_ends(text: str, body_start: int = 0) -> list[int]:
    """Where a pitch may start: after the subject, the greeting and each of the first PROBED_SENTENCES
    sentences of the body, never past its first paragraph, while the opening has at most
    OPENING_MAX_WORDS words and something follows it."""
    start = body_start + len(text[body_start:]) - len(text[body_start:].lstrip())
    greeting = _GREETING.match(text, start)
    end = greeting.end() if greeting else start
    end += len(text[end:]) - len(text[end:].lstrip())
    ends: list[int] = []
    for found in _SENTENCE_END.finditer(text, end):
        if not text[found.end():].strip() or len(text[start:found.end()].split()) > OPENING_MAX_WORDS:
            break
        ends.append(found.end())
        if len(ends) == PROBED_SENTENCES or found.group().startswith("\n"):
            break
    return ends


class Skeleton(NamedTuple):
    """A message's masked tokens and the spans a campaign fingerprint is built from."""

    tokens: tuple[str, ...]
    slots: list[Mapping]
    """The identity slots masked in it."""
    figures: tuple[str, ...]
    """The dates and numbers its masks hide."""
    opening: int
    """How many of `tokens` are the opening (OPENING_SENTENCES of `opening_ends`; 0: no opening)."""
    pitch_span: tuple[int, int] | None
    """Where the words after the opening are in the message's text."""
    cuts: tuple[int, ...] = ()
    """How many of `tokens` precede each of `opening_ends` (where other pitches are probed)."""


def own_skeleton(message: Message, hits: Mapping[str, Hit]) -> Skeleton:
    """Words of the writer's own text (boilerplate and passed-on text blanked), masked, lower-cased,
    NFKC-normalised (punctuation and spacing dropped); the sender's own name is masked too
    (campaigns rotate sending inboxes)."""
    text = message.text[:SKELETON_CHARS]
    own = own_text(text)
    slots = [s for s in identity_slots(hits)
             if s["end"] <= len(text) and own[s["start"] : s["end"]] == text[s["start"] : s["end"]]]
    words = WORD.findall(unicodedata.normalize("NFKC", skeleton(own, slots)))
    sender = set(WORD.findall((message.sender.name or "").lower()))
    tokens = tuple(SENDER_TOKEN if w in sender else w for w in words)
    ends = opening_ends(own, min(message.body_start, len(own)))
    if not ends:
        return Skeleton(tokens, slots, figures(own, slots), 0, None)
    cuts, words, previous = [], 0, 0
    for end in ends:  # sentence by sentence: each stretch of the text masked once
        inside = [{**s, "start": s["start"] - previous, "end": s["end"] - previous} for s in slots
                  if previous <= s["start"] and s["end"] <= end]
        words += len(WORD.findall(unicodedata.normalize("NFKC", skeleton(own[previous:end], inside))))
        cuts.append(words)
        previous = end
    end = ends[min(len(ends), OPENING_SENTENCES) - 1]
    start = end + len(own[end:]) - len(own[end:].lstrip())
    return Skeleton(tokens, slots, figures(own, slots), cuts[min(len(cuts), OPENING_SENTENCES) - 1],
                    (start, len(own.rstrip())), tuple(cuts))
