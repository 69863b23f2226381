"""The CAMPAIGN_COPY reason: a message's campaign as a hit the policy scores and the result shows."""

from __future__ import annotations

from detector.campaigns.alignment import reader_words, varying_slots
from detector.campaigns.fingerprint import Fingerprint
from detector.campaigns.linking import Campaign
from detector.message import Message
from detector.reasons import CAMPAIGN_COPY
from detector.signals import Evidence, Hit

STRENGTH_IDENTITY_ONLY = 1.0
"""Copies to several people that differ only in each reader's own details (a mail merge), or
not at all (a newsletter)."""
STRENGTH_OTHER = 0.0
"""Copies that also differ in wording, or repeat to one reader, or address nobody (newsletters):
shown, and used to tell honest lists apart, but not scored. Near-duplicate text alone also joins
a memo or a chain text that one person sent to several people, and a false alarm on a real note
is the worst failure."""
_WORDS = {"first_name": "first name", "company": "company", "title": "title", "other": "other details"}


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _people(n: int) -> str:
    return "1 person" if n == 1 else f"{n} people"


def explanation(copies: int, recipients: int, slots: list[str], only_identity: bool, opening_only: bool = False) -> str:
    """E.g. "only your first name and company differ from 37 copies sent to 37 people", or for a
    copy linked by its pitch "the opening line was written for you; the rest is shared with 37
    copies sent to 37 people, only your first name differs in it"."""
    sent = f"{copies} copies sent to {_people(recipients)}"
    named = [_WORDS[s] for s in slots if s != "other"]
    if opening_only:
        shared = f"the opening line was written for you; the rest is shared with {sent}"
        if only_identity:
            extra = ["other details about you"] if "other" in slots else []
            return f"{shared}, only your {_listed(named + extra)} differ{'s' if len(named + extra) == 1 else ''} in it"
        return f"{shared}, with small changes" if "other" in slots else shared
    if only_identity:
        extra = ["other details about you"] if "other" in slots else []
        return f"only your {_listed(named + extra)} differ{'s' if len(named + extra) == 1 else ''} from {sent}"
    if named:
        return f"your {_listed(named)} differ{'s' if len(named) == 1 else ''} from {sent}, and so does some wording"
    return f"the same text, with small changes, matches {sent}" if "other" in slots else f"the same text matches {sent}"


def campaign_hit(message: Message, fp: Fingerprint, campaign: Campaign) -> Hit:
    """Evidence: the reader's details in the copy, and for a copy linked by its pitch the pitch
    itself (the words it shares with the other copies)."""
    tokens = fp.tokens[fp.opening:] if campaign.opening_only else fp.tokens
    slots, only_identity = varying_slots(tokens, campaign, fp.slot_types, reader_words(message.recipient))
    strong = campaign.recipients > 1 and (only_identity or not slots)
    spans = list(fp.slot_spans)
    if campaign.opening_only and fp.pitch_span is not None:
        spans.append(fp.pitch_span)
    return Hit(
        code=CAMPAIGN_COPY,
        evidence=tuple(Evidence.of(message.text, s, e) for s, e in spans),
        strength=STRENGTH_IDENTITY_ONLY if strong else STRENGTH_OTHER,
        data={
            "campaign": {"id": campaign.id, "copies": campaign.copies, "recipients": campaign.recipients,
                         "varying_slots": slots, "opening_differs": campaign.opening_only},
            "explanation": explanation(campaign.copies, campaign.recipients, slots, only_identity,
                                       campaign.opening_only),
            "impersonal": not fp.slot_types - campaign.same_fills,
        },
    )
