"""Contract output records (one per input line, same order)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from detector.features import CAMPAIGN_COPY
from detector.message import Message
from detector.policy import POLICY_DESCRIPTIONS, TEXT_MODEL_PERSONAL, Decision
from detector.signals import Evidence, Hit, SignalRegistry


def _reason(code: str, weight: float, description: str, evidence: tuple[Evidence, ...]) -> dict[str, Any]:
    return {
        "code": code,
        "weight": round(weight, 4),
        "description": description,
        "evidence": [e.as_dict() for e in evidence],
    }


def _description(code: str, hit: Hit, registry: SignalRegistry) -> str:
    """A signal's fixed description, or the text a policy-level hit (CAMPAIGN_COPY) explains itself with."""
    return hit.data["explanation"] if code == CAMPAIGN_COPY else registry[code].description


def build_result(
    message: Message,
    hits: Mapping[str, Hit],
    decision: Decision,
    registry: SignalRegistry,
    model_version: str,
    model_evidence: tuple[Evidence, ...] = (),
) -> dict[str, Any]:
    reasons = []
    for code, weight in decision.contributions.items():
        if code in hits:
            reasons.append(_reason(code, weight, _description(code, hits[code], registry), hits[code].evidence))
        elif code == "SHARED_HISTORY":
            reasons.append(_reason(code, weight, POLICY_DESCRIPTIONS[code], hits["PERSONALIZATION_DEPTH"].evidence))
        elif weight < 0:  # the model leaned towards personal: no mass-produced words to show
            reasons.append(_reason(code, weight, TEXT_MODEL_PERSONAL, ()))
        else:
            reasons.append(_reason(code, weight, POLICY_DESCRIPTIONS[code], model_evidence))
    for code, hit in hits.items():
        if code not in decision.contributions and hit.evidence:
            reasons.append(_reason(code, 0.0, _description(code, hit, registry), hit.evidence))
    if message.truncated:
        reasons.append(_reason("TEXT_TRUNCATED", 0.0, POLICY_DESCRIPTIONS["TEXT_TRUNCATED"], ()))
    reasons.sort(key=lambda r: -abs(r["weight"]))
    slots = hits["IDENTITY_SLOTS"].data.get("slots", []) if "IDENTITY_SLOTS" in hits else []
    depth = hits["PERSONALIZATION_DEPTH"].data.get("depth", "none") if "PERSONALIZATION_DEPTH" in hits else "none"
    return {
        "id": message.id,
        "score": round(decision.score, 4),
        "verdict": decision.verdict,
        "reasons": reasons,
        "personalization": {
            "slots": [{k: s[k] for k in ("type", "text", "start", "end")} for s in slots],
            "depth": depth,
        },
        "campaign": hits[CAMPAIGN_COPY].data["campaign"] if CAMPAIGN_COPY in hits else None,
        "voice": None,
        "model_version": model_version,
        "error": None,
    }
