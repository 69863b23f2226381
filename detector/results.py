"""Contract output records (one per input line, same order): the one builder every decided message goes
through, text or voicemail, with or without a user's sender rules. (The error result is part of the contract: `detector.contract.error_result`.)"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from detector.message import Message
from detector.policy import Decision
from detector.reasons import CAMPAIGN_COPY, PERSONALIZATION_DEPTH, SHARED_HISTORY, TEXT_TRUNCATED, VOICE, VOICE_CAMPAIGN_COPY, reason
from detector.signals import Evidence, Hit, identity_slots


def _reason(code: str, weight: float, description: str, evidence: tuple[Evidence, ...]) -> dict[str, Any]:
    return {
        "code": code,
        "weight": round(weight, 4),
        "description": description,
        "evidence": [e.as_dict() for e in evidence],
    }


def _description(hit: Hit) -> str:
    """The catalogue's description, or the text a hit explains itself with (a campaign copy names its copies)."""
    return hit.data.get("explanation") or reason(hit.code).description


def _order(entry: dict[str, Any]) -> tuple[int, float, int]:
    """A user's own rule first; then the strongest weight first; on equal weights what the text shows
    before what the recording does (the sort is stable, so otherwise the order they were found in)."""
    entry_reason = reason(entry["code"])
    return (0 if entry_reason.verdict else 1, -abs(entry["weight"]), 1 if entry_reason.group == VOICE else 0)


def build_result(
    message: Message,
    hits: Mapping[str, Hit],
    decision: Decision,
    model_version: str,
    model_evidence: tuple[Evidence, ...] = (),
    voice: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The contract result of one decided message: every reason that weighed in or points at the text.

    Reasons: each contribution to the blend (TEXT_MODEL with `model_evidence`, SHARED_HISTORY with the
    depth signal's evidence), then each hit that added no weight but shows evidence or is always shown
    (a voice campaign of one person, a user's rule), then TEXT_TRUNCATED; ordered by `_order`. `voice`
    is the recording's summary for a voicemail (detector.voicemail), None for text.
    """
    reasons = []
    for code, weight in decision.contributions.items():
        if code in hits:
            reasons.append(_reason(code, weight, _description(hits[code]), hits[code].evidence))
        elif code == SHARED_HISTORY:
            reasons.append(_reason(code, weight, reason(code).description, hits[PERSONALIZATION_DEPTH].evidence))
        elif weight < 0:  # the model leaned towards personal: no mass-produced words to show
            reasons.append(_reason(code, weight, reason(code).personal_description, ()))
        else:
            reasons.append(_reason(code, weight, reason(code).description, model_evidence))
    for code, hit in hits.items():
        if code not in decision.contributions and (hit.evidence or reason(code).always_shown):
            reasons.append(_reason(code, 0.0, _description(hit), hit.evidence))
    if message.truncated:
        reasons.append(_reason(TEXT_TRUNCATED, 0.0, reason(TEXT_TRUNCATED).description, ()))
    reasons.sort(key=_order)
    depth = hits[PERSONALIZATION_DEPTH].data.get("depth", "none") if PERSONALIZATION_DEPTH in hits else "none"
    return {
        "id": message.id,
        "score": round(decision.score, 4),
        "verdict": decision.verdict,
        "reasons": reasons,
        "personalization": {
            "slots": [{k: s[k] for k in ("type", "text", "start", "end")} for s in identity_slots(hits)],
            "depth": depth,
        },
        "campaign": _campaign(hits),
        "voice": dict(voice) if voice is not None else None,
        "model_version": model_version,
        "error": None,
    }


def _campaign(hits: Mapping[str, Hit]) -> dict[str, Any] | None:
    """The text campaign; for a voicemail whose words were linked to none, the recording's campaign."""
    if CAMPAIGN_COPY in hits:
        return hits[CAMPAIGN_COPY].data["campaign"]
    if VOICE_CAMPAIGN_COPY in hits:
        return {**hits[VOICE_CAMPAIGN_COPY].data["campaign"], "varying_slots": []}
    return None
