"""Voice training pieces that need no corpus: the EER, the held-out grid's bookkeeping, calibration folds."""

import numpy as np
import pytest

from training.audio_train import _calibration_folds, classifier, eer, held_out_grid


def test_eer_of_perfect_random_and_inverted_scores():
    labels = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    assert eer(labels, np.array([0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8, 0.9])) == 0.0
    assert eer(labels, np.array([0.9, 0.8, 0.7, 0.6, 0.4, 0.3, 0.2, 0.1])) == 1.0
    assert eer(labels, np.array([0.1, 0.2, 0.7, 0.8, 0.15, 0.25, 0.75, 0.85])) == pytest.approx(0.5)
    assert np.isnan(eer(np.array([1, 1]), np.array([0.2, 0.3])))


def _toy(separable_dim: int = 0):
    """Two engines, two human sources, two channel variants; one feature carries the label."""
    rows, feats, window_row = [], [], []
    rng = np.random.default_rng(0)
    for label, sources in (("synthetic", ("espeak-ng", "piper")), ("human", ("fsdd", "asterisk"))):
        for source in sources:
            for clip in range(6):
                for variant, channel in (("ulaw-clean", "ulaw"), ("pcm8k-clean", "pcm8k")):
                    rows.append({"label": label, "source": source, "engine": source if label == "synthetic" else "",
                                 "speaker": f"{source}-{clip % 2}", "variant": variant, "channel": channel,
                                 "content": "digits"})
                    for _ in range(2):
                        x = rng.standard_normal(4)
                        x[separable_dim] += 3.0 if label == "synthetic" else -3.0
                        feats.append(x)
                        window_row.append(len(rows) - 1)
    return np.array(feats), np.array(window_row), rows


def test_grid_holds_out_every_engine_and_human_source():
    X, window_row, rows = _toy()
    grid = held_out_grid(classifier(), X, window_row, rows, log=lambda _: None)
    assert set(grid["cells"]) == {f"{e}|{h}" for e in ("espeak-ng", "piper") for h in ("fsdd", "asterisk")}
    cell = grid["cells"]["piper|fsdd"]
    assert cell["synthetic_clips"] == 12 and cell["human_clips"] == 12  # 6 clips x 2 variants each side
    assert grid["mean_telephone_eer"] == 0.0


def test_calibration_folds_partition_the_windows_by_engine():
    X, window_row, rows = _toy()
    folds = _calibration_folds(rows, window_row)
    assert len(folds) == 2
    tests = np.concatenate([test for _, test in folds])
    assert sorted(tests.tolist()) == list(range(len(window_row)))
    for train, test in folds:
        engines_in_test = {rows[r]["engine"] for r in window_row[test]} - {""}
        engines_in_train = {rows[r]["engine"] for r in window_row[train]} - {""}
        assert len(engines_in_test) == 1 and not engines_in_test & engines_in_train
