"""Masked text for the learned parts: the reader's identity and volatile particulars become tokens.

Two copies of one template sent to different people (different names, dates, links) must
look alike to the text model and the campaign index, so whatever varies per recipient is
replaced by a type token that survives a word tokenizer (`xfirstnamex`, `xurlx`, ...).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

_MONTH = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december"
    r"|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\.?"
)
_TLD = r"(?:com|net|org|io|co|ai|app|dev|me|us|uk|de|biz|info|ly|so|tv|xyz)"
"""Bare domains ("acme.io/demo") count as URLs only with a common TLD, so "e.g." and "v1.2" stay text."""
_GENERIC = re.compile(
    # Every kind starts a word; saying so once up front lets the scan skip the middle of words
    # without trying each kind there (twice as fast, same matches on the whole corpus).
    rf"""
    (?<!\w)(?:
    (?P<email>(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+)
    |(?P<url>(?:\bhttps?://|\bwww\.)[^\s<>"'()\[\]]*[^\s<>"'()\[\].,;:!?]
      |\b(?:[a-z0-9-]+\.)+{_TLD}\b(?:/[^\s<>"'()]*[^\s<>"'().,;:!?])?)
    |(?P<date>\b\d{{4}}-\d{{1,2}}-\d{{1,2}}\b|\b\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}\b
      |\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s+\d{{4}}\b)?
      |\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?:\s+\d{{4}}\b)?)
    |(?P<day>\b(?:mon|tues?|wednes|thurs?|fri|satur|sun)days?\b)
    |(?P<num>(?<!\w)\d+(?:[.,:]\d+)*(?:(?:st|nd|rd|th|am|pm|k|x)(?![a-z]))?)
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_SPACE = re.compile(r"\s+")


def token(slot_type: str) -> str:
    """`first_name` → `xfirstnamex`: one word, never a real word, the same for every message."""
    return "x" + slot_type.replace("_", "") + "x"


def mask_identity(text: str, slots: Iterable[Mapping]) -> str:
    """Replace each identity slot span (`start`, `end`, `type`) by its type token."""
    out, pos = [], 0
    for slot in sorted(slots, key=lambda s: s["start"]):
        if slot["start"] < pos:  # overlapping slots: the first one wins
            continue
        out.append(text[pos : slot["start"]])
        out.append(token(slot["type"]))
        pos = slot["end"]
    out.append(text[pos:])
    return "".join(out)


def mask_generic(text: str) -> str:
    """Replace URLs, e-mail addresses, dates, weekdays and numbers by `xurlx`, `xemailx`, ... tokens."""
    return _masked_generic(text)[0]


FIGURE_KINDS = frozenset({"date", "day", "num"})
_FIGURE_PART = re.compile(r"[^\W_]+")
"""A figure's letters and digits: "3 May." and "3 may" are one date."""


def _masked_generic(text: str) -> tuple[str, tuple[str, ...]]:
    """`mask_generic`'s text, and the figures it hid (in one pass: the skeleton needs both)."""
    found: list[str] = []

    def mask(match: re.Match) -> str:
        kind = match.lastgroup or "num"
        if kind in FIGURE_KINDS:
            found.append(" ".join(_FIGURE_PART.findall(match.group().lower())))
        return token(kind)

    return _GENERIC.sub(mask, text), tuple(sorted(found))


def skeleton(text: str, slots: Iterable[Mapping] = ()) -> str:
    """The template behind a message: identity and generic masks, lower-cased, whitespace collapsed."""
    return _skeleton(text, _slot_key(slots))[0]


def figures(text: str, slots: Iterable[Mapping] = ()) -> tuple[str, ...]:
    """The dates, weekdays and numbers that `skeleton(text, slots)` masks, as written (lower-cased,
    sorted): what a routine report changes from one issue to the next while its wording stays."""
    return _skeleton(text, _slot_key(slots))[1]


def _slot_key(slots: Iterable[Mapping]) -> tuple[tuple[int, int, str], ...]:
    return tuple((s["start"], s["end"], s["type"]) for s in slots)


@lru_cache(maxsize=64)
def _skeleton(text: str, slots: tuple[tuple[int, int, str], ...]) -> tuple[str, tuple[str, ...]]:
    # Cached: the text model and the campaign fingerprint (skeleton and figures) ask for the same message's.
    spans = [{"start": start, "end": end, "type": kind} for start, end, kind in slots]
    masked, found = _masked_generic(mask_identity(text, spans))
    return _SPACE.sub(" ", masked.lower()).strip(), found
