"""What the learned parts see: identity-masked model text and the policy's feature vector.

Training and inference both call these functions, so a model is always fed the same
representation it was fitted on.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from detector.masking import skeleton
from detector.message import Message
from detector.reasons import PERSONALIZATION_DEPTH, SHARED_HISTORY, TEXT_MODEL, TOO_LITTLE_TEXT
from detector.signals import Hit, identity_slots
from detector.signals.too_little_text import MIN_WORDS

MODEL_TEXT_CHARS = 6000
"""The text model reads at most this many characters of the scored text (longer mail is
almost always quoted history or boilerplate; the cap keeps latency flat)."""


def model_text(message: Message, hits: Mapping[str, Hit]) -> str:
    """Lower-cased text with the recipient's identity, numbers, URLs and dates masked."""
    slots = identity_slots(hits)
    text = message.text[:MODEL_TEXT_CHARS]
    kept = [s for s in slots if s["end"] <= len(text)]
    return skeleton(text, kept)


def logit(p: float, eps: float = 1e-4) -> float:
    """log(p / (1 - p)), with p kept `eps` away from 0 and 1 so a sure model stays finite."""
    p = min(max(p, eps), 1 - eps)
    return math.log(p / (1 - p))


def text_evidence(hits: Mapping[str, Hit]) -> float:
    """How much of the text model's logit counts: all of it, or words / MIN_WORDS for a very short
    text, whose few words ("hi") say nothing about how it was written."""
    short = hits.get(TOO_LITTLE_TEXT)
    return 1.0 if short is None else short.data["words"] / MIN_WORDS


def policy_features(p_mass: float, hits: Mapping[str, Hit], codes: Sequence[str]) -> list[float]:
    """The stacking vector: text-model logit (scaled by `text_evidence`), each signal's strength,
    shared history."""
    depth_hit = hits.get(PERSONALIZATION_DEPTH)
    deep = 1.0 if depth_hit is not None and depth_hit.data.get("depth") == "deep" else 0.0
    values = {TEXT_MODEL: logit(p_mass) * text_evidence(hits), SHARED_HISTORY: deep}
    return [values[c] if c in values else (hits[c].strength if c in hits else 0.0) for c in codes]
