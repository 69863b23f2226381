"""Fit the policy blend and its threshold on the validation split.

The blend is a logistic regression with sign constraints: evidence of mass production may
only raise the score and shared history may only lower it (by at least its floor), so a quirk
of the validation data can never turn a merge-tag leftover into evidence of a personal note. Which
codes are fitted, and each one's bounds, come from the reason catalogue (detector.reasons); the
weights it fixes join the policy unfitted. The threshold is chosen on out-of-fold blend scores for
at most the target false-positive rate on personal messages.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.optimize import minimize
from sklearn.model_selection import StratifiedKFold

from detector.policy import Policy
from detector.reasons import SHARED_HISTORY, TEXT_MODEL, reason

L2 = 1.0
FOLDS = 5
"""Out-of-fold splits of validation used to choose the threshold."""


def blend_codes(signal_codes: Sequence[str]) -> list[str]:
    """The fitted codes: the text model, every scored signal (the catalogue's informational ones, such as a
    name in the message or a very short text, are reported but not scored), shared history."""
    return [TEXT_MODEL, *[c for c in signal_codes if reason(c).scored], SHARED_HISTORY]


def _bounds(codes: Sequence[str]) -> list[tuple[float | None, float | None]]:
    """The intercept is free; each code's weight keeps to its catalogue bounds."""
    return [(None, None)] + [reason(c).bounds for c in codes]


def fit_blend(X: np.ndarray, y: np.ndarray, codes: Sequence[str]) -> np.ndarray:
    """Weights [intercept, *per code] minimising L2-penalised log loss under the sign bounds."""

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = w[0] + X @ w[1:]
        p = 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))
        eps = 1e-12
        value = -np.sum(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps)) + L2 * np.sum(w[1:] ** 2)
        residual = p - y
        grad = np.concatenate([[residual.sum()], X.T @ residual + 2 * L2 * w[1:]])
        return value, grad

    start = np.zeros(X.shape[1] + 1)
    result = minimize(loss, start, jac=True, method="L-BFGS-B", bounds=_bounds(codes))
    return result.x


def blend_scores(w: np.ndarray, X: np.ndarray) -> np.ndarray:
    """The blend's probability of mass production for each row of X, under weights [intercept, *per code]."""
    return 1.0 / (1.0 + np.exp(-np.clip(w[0] + X @ w[1:], -40, 40)))


def threshold_for_fpr(personal_scores: np.ndarray, target_fpr: float) -> float:
    """The lowest threshold at which at most target_fpr of personal scores reach it."""
    ordered = np.sort(personal_scores)[::-1]
    allowed = int(np.floor(target_fpr * len(ordered)))
    if allowed >= len(ordered):
        return 0.5
    return float(min(np.nextafter(ordered[allowed], 1.0), 0.999999))


def fit_policy(X: np.ndarray, mass: np.ndarray, codes: Sequence[str], version: str,
               target_fpr: float, seed: int) -> tuple[Policy, np.ndarray]:
    """Fit on all validation rows; choose the threshold on out-of-fold scores."""
    out_of_fold = np.zeros(len(mass))
    for train_idx, test_idx in StratifiedKFold(FOLDS, shuffle=True, random_state=seed).split(X, mass):
        w = fit_blend(X[train_idx], mass[train_idx], codes)
        out_of_fold[test_idx] = blend_scores(w, X[test_idx])
    weights = fit_blend(X, mass, codes)
    threshold = threshold_for_fpr(out_of_fold[mass == 0], target_fpr)
    policy = Policy(
        version=version,
        intercept=float(weights[0]),
        weights={c: float(v) for c, v in zip(codes, weights[1:], strict=True)},  # the catalogue's fixed weights join (Policy)
        threshold=threshold,
        target_fpr=target_fpr,
    )
    return policy, out_of_fold
