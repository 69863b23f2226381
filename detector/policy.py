"""Score versus action: turns the text model and the signals into score, verdict and reasons.

The score is a logistic blend (SpamAssassin-style additive points, in logit units) of the
text model's logit and each signal's strength, with weights fitted on the validation split
by training and stored, with the thresholds, in the bundle's versioned `policy.yaml`.
Verdict rule: score below `threshold` → personal; otherwise the message is mass-produced,
and it is `smile` when it is dressed as personal (it addresses the reader by name or by a
failed merge field, or uses outreach tropes, or the text model finds it closer to outreach
than to bulk mail) unless it is honest list or transactional mail; otherwise `bulk`. Spam that
addresses the reader as a person is therefore `smile`; impersonal spam, newsletters and
receipts are `bulk`.

Three rules sit above the blend. A user's own rule about the sender (USER_ALLOWED_SENDER,
USER_DENIED_SENDER; detector.sender_rules) sets the verdict, personal or smile, whatever the blend
says; the score stays the blend's. A conclusive signal (an unfilled merge tag; a copy of a campaign
that reached several readers with only their details changed) decides on its own: the text
model's lean towards personal and shared history are overruled, and the score is at least the
threshold. A very short text (TOO_LITTLE_TEXT) has too little wording to judge: without
conclusive evidence it stays personal, its score kept below the threshold.

Which reasons are scored, conclusive or dressing a message as personal, and the weights not fitted
(a campaign copy, a synthetic voice, a voice campaign copy), come from the reason catalogue
(detector.reasons).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from detector.features import policy_features
from detector.reasons import ADDRESSING_CODES, CAMPAIGN_COPY, CONCLUSIVE_CODES, FIXED_WEIGHTS, REASONS, TOO_LITTLE_TEXT, VERDICT_CODES
from detector.signals import Hit, identity_slots

NAME_SLOTS = ("first_name", "full_name", "last_name")


class PolicyError(ValueError):
    """The policy file is missing a field or has a wrong value."""


@dataclass(frozen=True)
class Decision:
    """What the policy concluded: the score, the verdict, and each scored code's logit points."""

    score: float
    verdict: str
    contributions: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Policy:
    """A bundle's blend (intercept, weights) and threshold: the one place a score becomes a verdict."""

    version: str
    intercept: float
    weights: Mapping[str, float]
    """Logit points per unit of strength, keyed by reason code (TEXT_MODEL included)."""
    threshold: float
    """Scores at or above it are mass-produced; chosen on validation for ≤ target FPR on personal."""
    target_fpr: float = 0.01

    def __post_init__(self) -> None:
        """Add the catalogue's fixed weights for the codes the policy does not set itself (a policy file
        written before campaigns or voicemail existed); the policy's own values win."""
        extra = {c: w for c, w in FIXED_WEIGHTS.items() if c not in self.weights}
        if extra:
            object.__setattr__(self, "weights", {**self.weights, **extra})

    @property
    def codes(self) -> tuple[str, ...]:
        """The scored codes, in the order contributions are reported."""
        return tuple(self.weights)

    @classmethod
    def load(cls, path: Path) -> Policy:
        """Read a bundle's `policy.yaml` (plain YAML)."""
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return cls.from_dict(data, str(path))

    @classmethod
    def from_dict(cls, data: Any, origin: str = "policy") -> Policy:
        """Check and build a policy from parsed data; a wrong field is a PolicyError naming `origin`."""
        if not isinstance(data, Mapping):
            raise PolicyError(f"{origin}: must be a mapping")
        missing = [k for k in ("version", "intercept", "weights", "threshold") if k not in data]
        if missing:
            raise PolicyError(f"{origin}: missing {', '.join(missing)}")
        weights = data["weights"]
        if not isinstance(weights, Mapping) or not all(isinstance(v, (int, float)) for v in weights.values()):
            raise PolicyError(f"{origin}: 'weights' must map codes to numbers")
        threshold = float(data["threshold"])
        if not 0.0 < threshold < 1.0:
            raise PolicyError(f"{origin}: 'threshold' must be in (0, 1)")
        return cls(
            version=str(data["version"]),
            intercept=float(data["intercept"]),
            weights={str(k): float(v) for k, v in weights.items()},
            threshold=threshold,
            target_fpr=float(data.get("target_fpr", 0.01)),
        )

    def as_dict(self) -> dict[str, Any]:
        """What training writes to `policy.yaml` (rounded, readable)."""
        return {
            "version": self.version,
            "intercept": round(self.intercept, 6),
            "weights": {k: round(v, 6) for k, v in self.weights.items()},
            "threshold": round(self.threshold, 6),
            "target_fpr": self.target_fpr,
        }

    def score(self, p_mass: float, hits: Mapping[str, Hit]) -> tuple[float, dict[str, float]]:
        """The blend, with the conclusive and too-little-text rules applied (see the module docstring)."""
        values = policy_features(p_mass, hits, self.codes)
        contributions = {c: self.weights[c] * v for c, v in zip(self.codes, values, strict=True) if v}
        conclusive = is_conclusive(hits)
        if conclusive:
            contributions = {c: w for c, w in contributions.items() if w > 0}
        z = self.intercept + sum(contributions.values())
        score = 1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0)))
        if conclusive:
            score = max(score, self.threshold)
        elif TOO_LITTLE_TEXT in hits:
            score = min(score, math.nextafter(self.threshold, 0.0))
        return score, contributions

    def decide(self, class_probs: Mapping[str, float], hits: Mapping[str, Hit]) -> Decision:
        """Score and verdict of one message from the text model's class probabilities and every hit."""
        p_mass = 1.0 - class_probs.get("personal", 0.0)
        score, contributions = self.score(p_mass, hits)
        ruled = next((c for c in VERDICT_CODES if c in hits), None)
        if ruled is not None:
            return Decision(score, REASONS[ruled].verdict, contributions)
        if score < self.threshold:
            return Decision(score, "personal", contributions)
        return Decision(score, "smile" if _dressed_as_personal(class_probs, hits) else "bulk", contributions)


def is_conclusive(hits: Mapping[str, Hit]) -> bool:
    """Whether a conclusive reason (catalogue) fired at full strength."""
    return any(code in hits and hits[code].strength >= 1.0 for code in CONCLUSIVE_CODES)


def _dressed_as_personal(class_probs: Mapping[str, float], hits: Mapping[str, Hit]) -> bool:
    traces = hits.get("SENDER_TOOL_TRACES")
    campaign = hits.get(CAMPAIGN_COPY)
    honest_list = (traces is not None and traces.data.get("list_unsubscribe", False)) or (
        campaign is not None and campaign.data.get("impersonal", False))
    # a receipt greets you by name and still is no template posing as a note (unless it pitches)
    transactional = "TRANSACTIONAL_NOTICE" in hits and "OUTREACH_PATTERNS" not in hits
    looks_like_outreach = class_probs.get("smile", 0.0) >= class_probs.get("bulk", 0.0)
    slots = identity_slots(hits)
    addresses_reader = any(c in hits for c in ADDRESSING_CODES) or any(s["type"] in NAME_SLOTS for s in slots)
    if transactional or (honest_list and not looks_like_outreach):
        return False
    return looks_like_outreach or addresses_reader
