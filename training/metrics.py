"""Metrics the model card and `sincere eval` report, computed from contract results."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score

LABELS = ("personal", "smile", "bulk", "spam")
VERDICTS = ("personal", "smile", "bulk", "error")
LENGTH_BUCKETS = ((0, 20, "<=20 words"), (21, 60, "21-60 words"), (61, 200, "61-200 words"), (201, 10**9, ">200 words"))


def _length_bucket(words: int) -> str:
    return next(name for low, high, name in LENGTH_BUCKETS if low <= words <= high)


def recall_at_fpr(pos: np.ndarray, neg: np.ndarray, fpr: float) -> tuple[float, float]:
    """Recall on positives at the lowest threshold keeping negatives' FPR ≤ fpr (and that threshold)."""
    if len(neg) == 0 or len(pos) == 0:
        return float("nan"), float("nan")
    ordered = np.sort(neg)[::-1]
    allowed = int(np.floor(fpr * len(ordered)))
    threshold = np.nextafter(ordered[allowed], 1.0) if allowed < len(ordered) else 0.0
    return float(np.mean(pos >= threshold)), float(threshold)


def _rate(flags: np.ndarray) -> dict[str, Any]:
    return {"n": int(len(flags)), "rate": float(np.mean(flags)) if len(flags) else None}


def _separation(scores: np.ndarray, smile: np.ndarray, personal: np.ndarray) -> dict[str, Any]:
    """Threshold-free smile-vs-personal figures for the rows selected by the two masks."""
    if not (personal.any() and smile.any()):
        return {"n_personal": int(personal.sum()), "n_smile": int(smile.sum()), "roc_auc": None,
                "recall_at_1pct_fpr": None, "recall_at_5pct_fpr": None}
    both = personal | smile
    return {
        "n_personal": int(personal.sum()),
        "n_smile": int(smile.sum()),
        "roc_auc": float(roc_auc_score(smile[both], scores[both])),
        "recall_at_1pct_fpr": recall_at_fpr(scores[smile], scores[personal], 0.01)[0],
        "recall_at_5pct_fpr": recall_at_fpr(scores[smile], scores[personal], 0.05)[0],
    }


def evaluate(labels: Sequence[str], channels: Sequence[str], words: Sequence[int],
             results: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Everything the model card and `sincere eval` report about one set of results against their labels:
    smile-vs-personal separation overall, per channel and per length, rates at the policy's own threshold, the
    reasons behind false positives, and the confusion table."""
    labels, channels = np.asarray(labels), np.asarray(channels)
    buckets = np.array([_length_bucket(w) for w in words])
    scored = np.array([r["verdict"] != "error" for r in results], dtype=bool)
    scores = np.array([r["score"] if r["score"] is not None else np.nan for r in results], dtype=float)
    verdicts = np.array([r["verdict"] for r in results])
    personal, smile = (labels == "personal") & scored, (labels == "smile") & scored
    metrics: dict[str, Any] = {"n": int(len(labels)), "errors": int((~scored).sum())}
    if personal.any() and smile.any():
        metrics["smile_vs_personal"] = {k: v for k, v in _separation(scores, smile, personal).items()
                                        if not k.startswith("n_")}
    metrics["smile_vs_personal_by_channel"] = {
        c: _separation(scores, smile & (channels == c), personal & (channels == c)) for c in sorted(set(channels))
    }
    metrics["smile_vs_personal_by_length"] = {
        name: _separation(scores, smile & (buckets == name), personal & (buckets == name)) for _, _, name in LENGTH_BUCKETS
    }
    flagged = verdicts != "personal"
    false_positive_codes = Counter(
        reason["code"] for r, fp in zip(results, personal & flagged, strict=True) if fp for reason in r["reasons"] if reason["weight"] > 0
    )
    metrics["at_policy_threshold"] = {
        "fpr_personal": _rate(flagged[personal]),
        "recall_smile": _rate(flagged[smile]),
        "smile_called_smile": _rate(verdicts[smile] == "smile"),
        "fpr_personal_by_channel": {c: _rate(flagged[personal & (channels == c)]) for c in sorted(set(channels[personal]))},
        "recall_smile_by_channel": {c: _rate(flagged[smile & (channels == c)]) for c in sorted(set(channels[smile]))},
        "fpr_personal_by_length": {name: _rate(flagged[personal & (buckets == name)]) for _, _, name in LENGTH_BUCKETS},
        "recall_smile_by_length": {name: _rate(flagged[smile & (buckets == name)]) for _, _, name in LENGTH_BUCKETS},
        "false_positive_reasons": dict(false_positive_codes.most_common()),
    }
    metrics["confusion"] = {
        label: {v: int(((labels == label) & (verdicts == v)).sum()) for v in VERDICTS}
        for label in LABELS if (labels == label).any()
    }
    return metrics


def at_threshold(labels: Sequence[str], results: Sequence[dict[str, Any]], threshold: float) -> dict[str, Any]:
    """FPR on personal and recall on smile if everything scoring >= threshold were flagged."""
    labels = np.asarray(labels)
    scores = np.array([r["score"] if r["score"] is not None else np.nan for r in results], dtype=float)
    flagged = scores >= threshold
    scored = ~np.isnan(scores)
    return {"threshold": float(threshold),
            "fpr_personal": _rate(flagged[(labels == "personal") & scored]),
            "recall_smile": _rate(flagged[(labels == "smile") & scored])}


def worst_false_positives(ids: Sequence[str], labels: Sequence[str], channels: Sequence[str],
                          results: Sequence[dict[str, Any]], top: int = 10) -> list[dict[str, Any]]:
    """The personal messages scored most like mass production (ids and reasons, never text)."""
    rows = [
        {"id": i, "channel": c, "score": r["score"], "verdict": r["verdict"], "codes": [x["code"] for x in r["reasons"][:4]]}
        for i, label, c, r in zip(ids, labels, channels, results, strict=True)
        if label == "personal" and r["score"] is not None
    ]
    return sorted(rows, key=lambda r: -r["score"])[:top]
