"""MERGE_FALLBACK: a generic greeting where the reader's name belongs ("Hi there,", "Dear Valued Customer").

Merge tools print their fallback value when the name field is empty; people who know you
use your name. Only greetings near the top count ("over there" is not a greeting), and
"Hey Acme team" counts when Acme is the reader's company (the company field as addressee).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from detector.message import Message
from detector.signals.base import Hit, Signal, identity_slots
from detector.signals.identity_slots import at_greeting

TOP_CHARS = 240
"""A greeting must start a line in the subject or within this many characters of the body start."""

_GENERIC_ROLE = (
    r"(?:customer|client|member|user|subscriber|colleague|friend|reader|professional|partner|recipient"
    r"|account[ \t]+holder|business[ \t]+owner|sir(?:[ \t]*(?:/|or)[ \t]*madam)?|madam)"
)
_FALLBACK = re.compile(
    rf"""^[ \t]*(?:
      (?P<there>(?:hi|hello|hey|hiya|heya|howdy|good[ \t]+(?:morning|afternoon|evening|day))[ \t,]+there)
      |(?P<generic>(?:hi|hello|hey|hiya|greetings|dear|good[ \t]+(?:morning|afternoon|evening|day))[ \t,]+
          (?:my[ \t]+)?(?:valued[ \t]+\w+|{_GENERIC_ROLE})
        |dear[ \t]+\w+[ \t]+{_GENERIC_ROLE}|to[ \t]+whom[ \t]+it[ \t]+may[ \t]+concern|greetings(?=[ \t]*[,!:\n]))
      |(?P<blank>(?:hi|hello|hey|dear)[ \t]+(?:[,!]|[-–—][ \t]))
      |(?P<opening>there|friend|valued[ \t]+customer|customer|sir/madam)(?=[ \t]*(?:[,!]|[-–—][ \t]))
      |(?P<comma>,)(?=[ \t])
    )(?![\w-])""",
    re.IGNORECASE | re.MULTILINE | re.VERBOSE,
)
"""`opening` and `comma`: the fallback value (or nothing) alone where the text starts with the name
("there - I've been...", ", are you raising?"); they count only at the very start of the subject or body."""
_MESSAGE_FOR = re.compile(
    r"\bthis (?:message|call|voicemail) is for (?:friend|there|valued customer|customer|the (?:business )?owner)\b",
    re.IGNORECASE,
)
"""Voicemail drops left for a contact with no name on file."""
_EMPTY_NAME = re.compile(r",[ \t]+[.!?](?=\s|$)")
_NAME_NEXT = re.compile(r"[ \t,]+(?P<next>\S)")
_TEAM_AFTER = re.compile(r"[ \t]+(?:team|folks|crew|people|family|friends|gang|squad|community)\b", re.IGNORECASE)
_NAME_TYPES = ("first_name", "full_name", "last_name")


def _kind(m: re.Match) -> str:
    group = m.lastgroup
    if group == "opening":
        return "there" if m.group(group).lower() == "there" else "generic_addressee"
    return {"there": "there", "generic": "generic_addressee"}.get(group, "blank_name")


class MergeFallback(Signal):
    """MERGE_FALLBACK: a generic greeting where a merge field had no name to fill in."""

    code = "MERGE_FALLBACK"
    requires = ("IDENTITY_SLOTS",)

    def detect(self, message: Message, found: Mapping[str, Hit]) -> Hit | None:
        """A generic greeting standing where the reader's name would be."""
        text, top = message.text, message.body_start + TOP_CHARS
        slots = identity_slots(found)
        name_starts = {s["start"] for s in slots if s["type"] in _NAME_TYPES}
        spans, kinds = [], set()
        body = message.body
        # pre-tokenised corpora ("hello , we are") look like empty merge fields: no blank check there
        tokenised = body.count(" ,", 0, 2000) + body.count(" .", 0, 2000) > 2
        for m in _FALLBACK.finditer(text):  # the subject too: ", are you raising?"
            if m.start() >= top:
                break
            kind = _kind(m)
            if m.lastgroup in ("opening", "comma") and m.start() not in (0, message.body_start):
                continue
            if kind == "blank_name" and tokenised:
                continue
            after = _NAME_NEXT.match(text, m.end())
            if after and after.start("next") in name_starts:  # "Hi there Mark," names the reader
                continue
            spans.append((m.start() + len(m.group()) - len(m.group().lstrip()), m.end()))
            kinds.add(kind)
        for m in _MESSAGE_FOR.finditer(text, message.body_start, top):
            spans.append(m.span())
            kinds.add("generic_addressee")
        if not tokenised:
            for m in _EMPTY_NAME.finditer(text, message.body_start):  # "Gentle nudge on this, ." (name was empty)
                if text[m.start() - 1].isalnum():
                    spans.append(m.span())
                    kinds.add("blank_name")
        for slot in slots:
            team = _TEAM_AFTER.match(text, slot["end"]) if slot["type"] == "company" and slot["start"] < top else None
            if team and at_greeting(text, slot["start"], team.end()):  # "Hey Acme team," / "Acme team -"
                spans.append((slot["start"], team.end()))
                kinds.add("company_team")
        if not spans:
            return None
        return self.hit(message, spans, kinds=sorted(kinds))
