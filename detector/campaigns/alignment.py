"""Which parts vary between linked copies, by token alignment of their skeletons.

Identity slots are masked with type tokens, so in a linked group they align with each
other and are known to hold each reader's own details; words that differ outside the masks
(spintax, a reworded line) are `other`; differing words that spell one of the reader's own
fields (written in a way the slot finder did not take as a name or field) are that field, and a
mask facing plain words in another copy names its type.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from difflib import SequenceMatcher

from detector.campaigns.linking import Campaign
from detector.message import Person

VARYING_TYPES = ("first_name", "company", "title", "other")
SLOT_KINDS = {
    "first_name": "first_name", "full_name": "first_name",
    "company": "company", "website": "company",
    "title": "title",
}
"""Identity slot types as reported; the rest (last name, e-mail, school, place, links) are `other`."""
_MASK = re.compile(r"^x([a-z]+)x$")
_WORD = re.compile(r"[^\W_]+")
_MASK_TYPES = {t.replace("_", ""): t for t in (*SLOT_KINDS, "last_name", "email", "url", "school", "location")}


def kind(slot_type: str) -> str:
    """The kind of an identity slot type, by which masked slots of two copies are aligned."""
    return SLOT_KINDS.get(slot_type, "other")


def _mask_type(token: str) -> str | None:
    m = _MASK.match(token)
    return _MASK_TYPES.get(m.group(1)) if m else None


def reader_words(person: Person) -> dict[str, set[str]]:
    """Lower-case words of the reader's own fields, by reported kind."""
    fields = {"first_name": (person.first_name, person.name), "company": (person.company,), "title": (person.title,)}
    return {k: {w for v in values if v for w in _WORD.findall(v.lower())} for k, values in fields.items()}


def _own_field(words: tuple[str, ...], reader: Mapping[str, set[str]]) -> str | None:
    plain = [w for w in words if not _mask_type(w)]
    return next((k for k, known in reader.items() if plain and known.issuperset(plain)), None)


def differing_kinds(tokens: tuple[str, ...], other: tuple[str, ...],
                    reader: Mapping[str, set[str]] | None = None) -> tuple[set[str], bool]:
    """Kinds of identity slot that differ from `other`, and whether words other than those differ."""
    kinds, words_differ = set(), False
    matcher = SequenceMatcher(None, tokens, other, autojunk=False)
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            continue
        mine, theirs = tokens[a0:a1], other[b0:b1]
        kinds |= {kind(_mask_type(t)) for t in (*mine, *theirs) if _mask_type(t)}
        field = _own_field(mine, reader or {})
        if field is not None:
            kinds.add(field)
        elif any(not _mask_type(t) for t in (*mine, *theirs)):
            words_differ = True
    return kinds, words_differ


def varying_slots(tokens: tuple[str, ...] | None, campaign: Campaign, own_slot_types: Iterable[str] = (),
                  reader: Mapping[str, set[str]] | None = None) -> tuple[list[str], bool]:
    """(`varying_slots` in VARYING_TYPES order, whether only the readers' identities vary).

    The masked identity slots vary once the copies reach two recipients, unless every copy filled
    one the same way (`Campaign.same_fills`: a memo naming the company to each coworker); with
    skeletons of other copies at hand they are aligned, otherwise differing signatures stand
    for words that differ.
    """
    masked = {*campaign.slot_types, *own_slot_types} - campaign.same_fills
    kinds = {kind(t) for t in masked} if campaign.recipients > 1 else set()
    if tokens is not None and campaign.exemplars:
        words_differ = False
        for other in campaign.exemplars:
            extra, differ = differing_kinds(tokens, other, reader)
            kinds |= extra
            words_differ |= differ
    else:
        words_differ = campaign.signatures_differ
    only_identity = bool(kinds) and not words_differ
    if words_differ:
        kinds.add("other")
    return [k for k in VARYING_TYPES if k in kinds], only_identity
