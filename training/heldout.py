"""Repository-held-out evaluation: how much outreach from repositories the model never saw is caught.

The corpus splits public outreach by repository (training.public_outreach), so every public
template in the test split comes from a repository no model trained on. `heldout_report` measures
it against the test split's personal mail: recall at 1 % and 5 % FPR (thresholds taken on the
personal scores) and at the policy's own threshold (chosen on validation), overall and per family,
channel and author type. `cross_validate` repeats that with k folds of repository groups (the
project's template library is one more group), each fold's text model and policy fitted without
its repositories, so no single lucky split decides: mean and worst fold.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.metrics import roc_auc_score

from detector.features import policy_features
from detector.policy import Policy
from training.dataset import MODEL_CLASSES, DatasetError, Prepared
from training.fit_policy import blend_codes, fit_policy
from training.metrics import recall_at_fpr
from training.public_outreach import OUTREACH_SOURCE, repo_group
from training.templates import LIBRARY_REPO, SMILE_SOURCE

FPRS = (0.01, 0.05)
BREAKDOWNS = ("family", "channel", "author")


class FoldModel(Protocol):
    """A text model refitted per CV fold."""

    def fit_predict(self, train: np.ndarray, y: Sequence[str], score: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Fit on rows `train` (labels `y`); P(personal) of each row set in `score`."""


def _column(frame: pd.DataFrame, name: str) -> np.ndarray:
    return frame[name].fillna("").astype(str).to_numpy() if name in frame.columns else np.full(len(frame), "")


def unseen_outreach(frame: pd.DataFrame) -> np.ndarray:
    """Rows of public outreach (every one in the test split comes from an unseen repository)."""
    return _column(frame, "source") == OUTREACH_SOURCE


def _recalls(pos: np.ndarray, neg: np.ndarray, threshold: float | None) -> dict[str, Any]:
    out: dict[str, Any] = {"n": int(len(pos))}
    for fpr in FPRS:
        out[f"recall_at_{round(fpr * 100)}pct_fpr"] = recall_at_fpr(pos, neg, fpr)[0] if len(pos) else None
    if threshold is not None:
        out["recall_at_policy_threshold"] = float(np.mean(pos >= threshold)) if len(pos) else None
    return out


def heldout_report(frame: pd.DataFrame, scores: Sequence[float], threshold: float) -> dict[str, Any]:
    """Recall on unseen-repository outreach against the personal rows of `frame` (scores row for row)."""
    scores = np.asarray(scores, dtype=float)
    ok = ~np.isnan(scores)
    labels = _column(frame, "label")
    personal, outreach = (labels == "personal") & ok, unseen_outreach(frame) & ok
    neg = scores[personal]
    report: dict[str, Any] = {"n_personal": int(personal.sum()), **_recalls(scores[outreach], neg, threshold)}
    if outreach.any() and personal.any():
        both = personal | outreach
        report["roc_auc"] = float(roc_auc_score(outreach[both], scores[both]))
    cut = {fpr: recall_at_fpr(scores[outreach], neg, fpr)[1] for fpr in FPRS} if outreach.any() else {}
    for name in BREAKDOWNS:
        values = _column(frame, name)
        report[f"by_{name}"] = {
            value: {"n": int(mask.sum()),
                    **{f"recall_at_{round(f * 100)}pct_fpr": float(np.mean(scores[mask] >= cut[f])) for f in FPRS},
                    "recall_at_policy_threshold": float(np.mean(scores[mask] >= threshold))}
            for value in sorted(set(values[outreach])) if (mask := outreach & (values == value)).any()
        }
    return report


# ---------------------------------------------------------------- leave-repository-group-out CV


def cv_group(source: str, repo: str) -> str | None:
    """The held-out unit of an outreach row: its repository group, or the template library as one."""
    if source == OUTREACH_SOURCE:
        return repo_group(repo)
    return LIBRARY_REPO if source == SMILE_SOURCE else None


def assign_folds(sizes: dict[str, int], k: int, seed: int) -> dict[str, int]:
    """Groups to k folds, biggest first, each to the fold with fewest rows (seeded tie-break)."""
    order = sorted(sizes, key=lambda g: (-sizes[g], hashlib.sha256(f"{seed}:{g}".encode()).hexdigest()))
    filled, folds = [0] * k, {}
    for group in order:
        fold = min(range(k), key=lambda f: (filled[f], f))
        folds[group] = fold
        filled[fold] += sizes[group]
    return folds


class HashedTfidfFolds:
    """The text pipeline's hashed features of every row, computed once for all folds; each fold refits
    tf-idf and the classifier on its own rows."""

    def __init__(self, config: Any, texts: Sequence[str]):
        from training.text_model import build_text_pipeline

        pipeline = build_text_pipeline(config)
        self.blocks = [block for _, block in pipeline.named_steps["features"].transformer_list]
        self.clf = pipeline.named_steps["clf"]
        self.hashed = [block.named_steps["hash"].transform(list(texts)).tocsr() for block in self.blocks]

    def fit_predict_proba(self, train: np.ndarray, y: Sequence[str],
                          score: Sequence[np.ndarray]) -> tuple[list[str], list[np.ndarray]]:
        """Fit on rows `train`: the classes, and the class probabilities of each row set in `score`."""
        tfidfs = [clone(block.named_steps["tfidf"]).fit(h[train]) for block, h in zip(self.blocks, self.hashed, strict=True)]

        def features(rows: np.ndarray) -> sp.csr_matrix:
            return sp.hstack([t.transform(h[rows]) for t, h in zip(tfidfs, self.hashed, strict=True)]).tocsr()

        clf = clone(self.clf).fit(features(train), list(y))
        return [str(c) for c in clf.classes_], [clf.predict_proba(features(rows)) for rows in score]

    def fit_predict(self, train: np.ndarray, y: Sequence[str], score: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Fit on rows `train`; P(personal) of each row set in `score`."""
        classes, probs = self.fit_predict_proba(train, y, score)
        return [p[:, classes.index("personal")] for p in probs]


def all_parts(parts: dict[str, Prepared]) -> tuple[Prepared, np.ndarray]:
    """Every split's rows in one Prepared (split order kept), and each row's split name: what
    `cross_validate` reads."""
    everything = Prepared(pd.concat([p.frame for p in parts.values()], ignore_index=True),
                          [m for p in parts.values() for m in p.messages], [h for p in parts.values() for h in p.hits],
                          [t for p in parts.values() for t in p.texts], {})
    return everything, np.concatenate([[s] * len(p.texts) for s, p in parts.items()])


def cross_validate(config: Any, prepared: Prepared, splits: np.ndarray, k: int, log: Callable[[str], Any] = print,
                   version: str = "cv", model: FoldModel | None = None) -> dict[str, Any]:
    """Leave-repository-group-out CV over `prepared` (all rows, `splits` row for row).

    Fold f: the text model (`model`, the TF-IDF pipeline when None) trains on the train split, the
    policy fits on the validation split, both without fold f's repositories; fold f's outreach (from
    any split) is scored against the test split's personal mail.
    """
    frame = prepared.frame
    labels = frame["label"].astype(str).to_numpy()
    groups = np.array([cv_group(s, r) for s, r in zip(_column(frame, "source"), _column(frame, "repo"), strict=True)], dtype=object)
    sizes = pd.Series(groups[groups != None]).value_counts().to_dict()  # noqa: E711 (element-wise)
    if len(sizes) < k:
        raise DatasetError(f"repository cross-validation needs at least {k} outreach repositories (public_outreach "
                           f"rows with a 'repo', or the template library); the data has {len(sizes)}")
    folds = assign_folds(sizes, k, config.seed)
    fold_of = np.array([folds.get(g, -1) if g is not None else -1 for g in groups])
    model = model or HashedTfidfFolds(config, prepared.texts)
    codes = blend_codes(_registry_codes())
    negatives = np.flatnonzero((splits == "test") & (labels == "personal"))
    per_fold, pooled = [], defaultdict(list)
    for fold in range(k):
        held = fold_of == fold
        train = np.flatnonzero((splits == "train") & ~held)
        val = np.flatnonzero((splits == "val") & ~held)
        positives = np.flatnonzero(held)
        p_val, p_pos, p_neg = model.fit_predict(train, [MODEL_CLASSES[label] for label in labels[train]],
                                                 [val, positives, negatives])
        X = np.array([policy_features(1 - p, prepared.hits[i], codes) for p, i in zip(p_val, val, strict=True)])
        mass = (labels[val] != "personal").astype(float)
        policy, _ = fit_policy(X, mass, codes, version, config.target_fpr, config.seed)
        pos = np.array([_score(policy, p, prepared.hits[i]) for p, i in zip(p_pos, positives, strict=True)])
        neg = np.array([_score(policy, p, prepared.hits[i]) for p, i in zip(p_neg, negatives, strict=True)])
        result = {"fold": fold, "groups": sorted(g for g, f in folds.items() if f == fold),
                  **_recalls(pos, neg, policy.threshold),
                  "fpr_at_policy_threshold": float(np.mean(neg >= policy.threshold))}
        per_fold.append(result)
        log(f"cv fold {fold + 1}/{k}: {len(positives)} held-out outreach, recall@1%FPR "
            f"{result['recall_at_1pct_fpr']:.3f}, @5% {result['recall_at_5pct_fpr']:.3f}")
        cut = recall_at_fpr(pos, neg, 0.01)[1]
        for name in BREAKDOWNS:
            for value, flag in zip(_column(frame.iloc[positives], name), pos >= cut, strict=True):
                pooled[(name, value)].append(flag)
    summary = {metric: {"mean": float(np.mean([f[metric] for f in per_fold])),
                        "worst": float(np.min([f[metric] for f in per_fold]))}
               for metric in ("recall_at_1pct_fpr", "recall_at_5pct_fpr", "recall_at_policy_threshold")}
    breakdown = {f"by_{name}": {value: {"n": len(flags), "recall_at_1pct_fpr": float(np.mean(flags))}
                                for (n, value), flags in sorted(pooled.items()) if n == name}
                 for name in BREAKDOWNS}
    return {"k": k, "n_negatives": int(len(negatives)), "folds": per_fold, **summary, **breakdown}


def _registry_codes() -> tuple[str, ...]:
    from detector.signals import default_registry

    return default_registry().codes


def _score(policy: Policy, p_personal: float, hits: dict) -> float:
    return policy.score(1.0 - float(p_personal), hits)[0]
