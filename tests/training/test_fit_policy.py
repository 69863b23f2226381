"""Fitting reads the reason catalogue: which codes are fitted and within which bounds; fixed weights join unfitted."""

from __future__ import annotations

import numpy as np

from detector.reasons import FIXED_WEIGHTS, reason
from detector.signals import default_registry
from training.fit_policy import blend_codes, fit_policy


def test_fitting_takes_the_scored_signals_and_the_catalogues_bounds():
    codes = blend_codes(default_registry().codes)
    assert codes[0] == "TEXT_MODEL" and codes[-1] == "SHARED_HISTORY"
    assert "IDENTITY_SLOTS" not in codes and "TOO_LITTLE_TEXT" not in codes
    assert reason("MERGE_TAG_LEFTOVER").bounds == (4.0, None) and reason("SHARED_HISTORY").bounds == (None, -3.0)


def test_a_fitted_policy_carries_the_fixed_weights_unfitted():
    rng = np.random.default_rng(0)
    mass = np.array([0, 1] * 40)
    X = np.column_stack([rng.normal(size=80) + 2 * mass, mass * rng.integers(0, 2, size=80), np.zeros(80)])
    policy, out_of_fold = fit_policy(X, mass, ["TEXT_MODEL", "MERGE_TAG_LEFTOVER", "SHARED_HISTORY"], "v", 0.05, 0)
    assert policy.weights["MERGE_TAG_LEFTOVER"] >= 4.0 and policy.weights["SHARED_HISTORY"] <= -3.0
    assert {c: policy.weights[c] for c in FIXED_WEIGHTS} == FIXED_WEIGHTS
    assert len(out_of_fold) == 80 and 0.0 < policy.threshold < 1.0
