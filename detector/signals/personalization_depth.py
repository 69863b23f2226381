"""PERSONALIZATION_DEPTH: how far the "personal" part goes beyond filled-in identity fields.

- deep: shared history. The message echoes what the recipient wrote earlier in the thread
  (content words or numbers of their messages), or, when nothing template-like and no tool
  trace fired, it refers to earlier exchanges or shared life ("as we discussed", "like you
  said", "at dinner", "your mom", "see you thursday"): twice, or once with the reader's name.
- shallow: identity slots (name, company, ...) but no shared history: take the slots out and
  what remains could go to anyone.
- none: neither slots nor shared history.

Always returns a hit so results can report the depth. Its strength is 1.0 for shallow and
0 otherwise, so the policy weight of this code applies to shallow personalization only;
deep reaches the policy as SHARED_HISTORY (see detector.features).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from detector.message import Message
from detector.signals.base import Hit, Signal, identity_slots
from detector.signals.identity_slots import NAME_TYPES, lowered

TEMPLATE_CODES = ("OUTREACH_PATTERNS", "MERGE_TAG_LEFTOVER", "MERGE_FALLBACK", "MERGE_GLITCH")
TEMPLATE_STRENGTH = 0.75
"""From this strength a template code rules out history phrases; below it (OUTREACH_PATTERNS with
one kind of stock phrase, "15 minutes this week?", which friends type too) two are needed."""
MIN_ECHOES = 2
"""Distinct echoed words that make a reply deep (one more when the message also looks templated)."""
MAX_THREAD_CHARS = 20_000
MAX_EVIDENCE = 12

_WORD = re.compile(r"\w+(?:['’]\w+)*")
_RELATIVE = (
    r"(?:mom|mum|mam|mama|mommy|mummy|dad|papa|mother|father|parents|sister|brother|wife|husband|kids?|son"
    r"|daughter|boyfriend|girlfriend|partner|grandma|grandpa|gran|nana|granny|grandmother|grandfather|aunt|auntie"
    r"|uncle|cousin|nephew|niece|family|dog|cat)"
)
_EVENT = (
    r"(?:dinner|lunch|breakfast|brunch|party|concert|wedding|game|show|reunion|rehearsal|funeral|shower|bbq"
    r"|barbecue|recital|practice|match|trip|holiday|vacation|birthday|offsite|game night|cabin|lake|beach)"
)
_REFERENCES = (
    r"as (?:we|i) (?:discussed|talked about|mentioned|promised|agreed)", r"as discussed",
    r"(?:like|as) you (?:said|asked|suggested|mentioned|requested|promised)",
    r"you (?:asked|told me|promised|lent me|gave me|showed me|taught me|owe me)",
    r"(?:i|we) owe you", r"(?:at|after|before|from|during|since) (?:the|our|your|that) " + _EVENT,
    # a time alone is no history ("last night I looked at your site"): it must be spent together
    r"(?:we|you|us)\b[^.!?\n]{0,40}?(?:last|the other|that) (?:night|weekend)"
    r"|(?:for|about|since|after) (?:last|the other|that) (?:night|weekend)|last time (?:we|you)",
    r"(?:your|say hi to|tell) " + _RELATIVE, r"(?:it's|it is|this is) (?:me|mom|mum|dad|mama|mami|amma|papa|nonna)\b",
    r"see you (?:on |at |this |next )?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow"
    r"|tonight|the|weekend)",
    r"(?:great|good|nice|lovely|so good) (?:to see|seeing|to catch up|catching up|talking|having coffee)",
    r"when (?:we|you and i) (?:met|spoke|talked|chatted|went|used to)", r"we used to|you and i",
    r"(?:forgot|left) your|you left|remember (?:when|the|that)|miss you|love you|happy birthday",
    r"thank(?:s| you) (?:again |so much )?for (?:dinner|lunch|having us|hosting|the ride|coming|checking (?:in|on me)"
    r"|calling back)",
    # reciprocity and one's own news: what a friend offers back, not what a pitch offers
    r"return the favou?r", r"(?:next one|next round|drinks?|coffee|lunch|dinner)(?:'s| is| are)? on me",
    r"i (?:just )?(?:got|accepted|received|turned down) (?:the|an?|my|their) (?:job )?offer",
)
_REFERENCE = re.compile(
    r"(?<!\w)(?:" + "|".join(_REFERENCES).replace(" ", r"[\s,.]+").replace("'", "['’]?") + r")(?!\w)"
)
"""Shared-history phrases, matched on lower-cased text (spaces and apostrophes loose, for ASR)."""
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being below
    between both but by can could did do does doing done down during each few for from further get got had has
    have having he her here hers herself him himself his how i if in into is it its itself just know let like
    make me more most my myself need no nor not now of off on once one only or other our ours ourselves out over
    own please re fw fwd really same she should so some such than thank thanks that the their theirs them
    themselves then there these they this those through to too under until up us very want was we well were what
    when where which while who whom why will with would yes yet you your yours yourself yourselves hi hello hey
    dear best regards cheers ok okay sure still going think see one two time way email mail message""".split()
)


def _norm(word: str) -> str:
    word = word.lower().replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


class PersonalizationDepth(Signal):
    """PERSONALIZATION_DEPTH: whether personalization goes beyond filled-in fields to shared history."""

    code = "PERSONALIZATION_DEPTH"
    requires = ("IDENTITY_SLOTS",)

    def detect(self, message: Message, found: Mapping[str, Hit]) -> Hit:
        """How deep the personalization goes: none, shallow (fields only) or deep (shared history)."""
        slots = identity_slots(found)
        template_like = any(code in found for code in TEMPLATE_CODES)
        clearly_templated = any(code in found and found[code].strength >= TEMPLATE_STRENGTH for code in TEMPLATE_CODES)
        echo_spans, echoed = _echoes(message, slots)
        deep_spans = echo_spans if len(echoed) >= MIN_ECHOES + template_like else []
        traced = "SENDER_TOOL_TRACES" in found and found["SENDER_TOOL_TRACES"].strength >= 1.0
        references = [] if clearly_templated or traced else [m.span() for m in _REFERENCE.finditer(lowered(message.text))]
        named = any(s["type"] in NAME_TYPES for s in slots)
        if len({message.text[s:e].lower() for s, e in references}) < (1 if named and not template_like else 2):
            # one stock phrase ("your wife", "as we discussed") alone is not history; with the reader's
            # name it is, unless a stock outreach phrase stands beside it: then it takes two
            references = []
        data = {"echoed": sorted(echoed) if deep_spans else [], "references": len(references),
                "template_like": template_like}
        if deep_spans or references:
            return self.hit(message, (deep_spans + references)[:MAX_EVIDENCE], strength=0.0, depth="deep", **data)
        if slots:
            spans = [(s["start"], s["end"]) for s in slots]
            return self.hit(message, spans, strength=1.0, depth="shallow", **data)
        return self.hit(message, [], strength=0.0, depth="none", **data)


def _echoes(message: Message, slots: list[dict]) -> tuple[list[tuple[int, int]], set[str]]:
    """Spans of words in the message that the recipient used earlier in the thread."""
    theirs = "\n".join(t.body for t in message.thread if t.from_recipient)[:MAX_THREAD_CHARS]
    if not theirs:
        return [], set()
    people = " ".join([s["text"] for s in slots] + [v for v in (message.sender.name, message.recipient.name) if v])
    ignore = STOPWORDS | {_norm(w) for w in _WORD.findall(people)}
    said = {w for w in map(_norm, _WORD.findall(theirs)) if w not in ignore and (len(w) > 2 or w.isdigit())}
    forms = {w + tail for w in said for tail in ("", "s", "'s", "’s")}
    low = lowered(message.text)
    used = forms.intersection(_WORD.findall(low))
    if len({_norm(w) for w in used}) < MIN_ECHOES:  # the common case: not a reply to the reader
        return [], set()
    spans, echoed = [], set()
    for m in _WORD.finditer(low):
        if m.group() in used:
            spans.append(m.span())
            echoed.add(_norm(m.group()))
    return spans, echoed
