"""Training end to end on a small labelled table (no corpora needed): bundle, card, metrics, config errors."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from detector.bundle import Bundle
from detector.engine import Detector
from training.config import ConfigError, load_config
from training.fit_policy import fit_blend, threshold_for_fpr
from training.train import train_text_bundle

REPO = Path(__file__).parents[2]
CONFIG = REPO / "training" / "configs" / "text_tfidf.yaml"


def _table(tmp_path: Path) -> Path:
    from training.templates import load_personal, render_smile

    rows = render_smile(REPO / "data" / "templates", seed=1, copies_per_template=2)
    rows += load_personal(REPO / "data" / "personal")
    rows += [
        {"id": f"bulk-{i}", "channel": "email", "subject": f"Weekly digest #{i}", "label": "bulk", "group": f"digest-{i % 20}",
         "body": f"This week's top stories, issue {i}. Unsubscribe or manage your preferences at any time."}
        for i in range(120)
    ]
    frame = pd.DataFrame(rows)
    for column in ("recipient", "sender", "thread"):
        if column in frame.columns:
            frame[column] = frame[column].map(lambda v: json.dumps(v) if v is not None and v == v else None)
    keep = [c for c in ("id", "channel", "subject", "body", "recipient", "sender", "thread", "label", "group") if c in frame]
    path = tmp_path / "data.parquet"
    frame[keep].to_parquet(path)
    return path


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("train")
    config = load_config(CONFIG)
    small = type(config)(**{**config.__dict__, "word_features_log2": 12, "char_features_log2": 12, "max_iter": 100})
    out = tmp / "bundle"
    metrics = train_text_bundle(small, _table(tmp), out, log=lambda *_: None)
    return out, metrics


def test_training_writes_a_verified_bundle_with_card_and_metrics(trained):
    out, metrics = trained
    bundle = Bundle.load(out)
    assert {"MODEL_CARD.md", "metrics.json", "policy.yaml", "text_model.skops"} <= set(bundle.manifest["files"])
    card = (out / "MODEL_CARD.md").read_text()
    for section in ("## Intended use", "## Not for", "## Training data", "by channel", "by length", "## Known limits"):
        assert section in card
    assert 0.0 <= metrics["test"]["smile_vs_personal"]["roc_auc"] <= 1.0
    assert json.loads((out / "metrics.json").read_text())["test"]["n"] == metrics["test"]["n"]


def test_a_trained_bundle_scores_through_the_engine(trained):
    out, _ = trained
    result = Detector(Bundle.load(out)).score({"id": "x", "channel": "email", "body": "Dear {{first_name}}, quick question"})
    assert result["verdict"] in ("smile", "bulk") and result["model_version"] == "sincere-text-1.0.0"


def test_policy_weights_respect_their_signs(trained):
    out, _ = trained
    weights = Bundle.load(out).policy.weights
    assert weights["SHARED_HISTORY"] <= 0
    assert all(w >= 0 for code, w in weights.items() if code != "SHARED_HISTORY")


def test_threshold_keeps_personal_false_positives_at_target():
    scores = np.linspace(0, 1, 1000)
    t = threshold_for_fpr(scores, 0.01)
    assert np.mean(scores >= t) <= 0.01 and np.mean(scores >= t - 0.002) > 0.009


def test_blend_bounds_hold_even_when_data_pull_the_other_way():
    X = np.array([[0.0, 1.0], [0.0, 1.0], [0.0, 0.0], [0.0, 0.0]])
    y = np.array([0.0, 0.0, 1.0, 1.0])  # the signal appears only on personal rows
    w = fit_blend(X, y, ["TEXT_MODEL", "MERGE_TAG_LEFTOVER"])
    assert w[2] >= 0.0


@pytest.mark.parametrize("edit, message", [
    ("C: fast", "'C' must be float"),
    ("colour: blue", "unknown key"),
    ("word_ngrams: [1]", "two integers"),
    ("kind: nope", "'kind' must be one of"),
])
def test_config_errors_are_clear(tmp_path, edit, message):
    lines = CONFIG.read_text().splitlines()
    key = edit.split(":")[0]
    lines = [line for line in lines if not line.startswith(f"{key}:")] + [edit]
    path = tmp_path / "c.yaml"
    path.write_text("\n".join(lines))
    with pytest.raises(ConfigError, match=message):
        load_config(path)
