"""The transformer trainers end to end on a small table, with a tiny random BERT as the encoder."""

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from detector.engine import Detector
from detector.models.artifacts import BundleError
from detector.models.bundle import Bundle
from training.config import ConfigError, load_config, parse_config

REPO = Path(__file__).parents[3]
CONFIGS = REPO / "training" / "configs"


@pytest.fixture(scope="module")
def table(tmp_path_factory) -> Path:
    from training.templates import load_personal, render_smile

    rows = render_smile(REPO / "data" / "templates", seed=1, copies_per_template=1)
    rows = rows[::2] + load_personal(REPO / "data" / "personal")[::2]
    rows += [{"id": f"bulk-{i}", "channel": "email", "subject": f"Weekly digest #{i}", "label": "bulk",
              "group": f"digest-{i % 20}", "body": f"This week's top stories, issue {i}. Unsubscribe at any time."}
             for i in range(60)]
    frame = pd.DataFrame(rows)
    for column in ("recipient", "sender", "thread"):
        if column in frame.columns:
            frame[column] = frame[column].map(lambda v: json.dumps(v) if v is not None and v == v else None)
    keep = [c for c in ("id", "channel", "subject", "body", "recipient", "sender", "label", "group") if c in frame]
    path = tmp_path_factory.mktemp("minilm_data") / "data.parquet"
    frame[keep].to_parquet(path)
    return path


def _config(name: str, **overrides):
    config = load_config(CONFIGS / f"minilm_{name}.yaml")
    return dataclasses.replace(config, max_length=32, max_train=0, **overrides)


def _train(config, table: Path, out: Path):
    from training.train import train

    return train(config, table, out, log=lambda *_: None)


def test_shipped_transformer_configs_load_and_reject_foreign_keys():
    for name in ("head", "fused", "finetune"):
        assert load_config(CONFIGS / f"minilm_{name}.yaml").kind == f"minilm_{name}"
    with pytest.raises(ConfigError, match="unknown key"):
        parse_config({"kind": "minilm_head", "name": "x", "version": "1", "epochs": 3})


def test_head_training_writes_a_verified_bundle_that_scores(tiny_minilm, table, tmp_path):
    out = tmp_path / "head"
    metrics = _train(_config("head"), table, out)
    bundle = Bundle.load(out)
    assert bundle.manifest["kind"] == "minilm_head" and bundle.manifest["encoder"]["max_length"] == 32
    assert {"minilm_head.skops", "policy.yaml", "MODEL_CARD.md", "metrics.json"} <= set(bundle.manifest["files"])
    assert "all-MiniLM-L6-v2 sentence embeddings" in (out / "MODEL_CARD.md").read_text()
    assert 0.0 <= metrics["test"]["smile_vs_personal"]["roc_auc"] <= 1.0
    result = Detector(bundle).score({"id": "x", "channel": "email", "body": "Dear {{first_name}}, quick question"})
    assert result["verdict"] in ("smile", "bulk")


def test_fused_bundle_blends_tfidf_and_minilm_and_refuses_tampering(tiny_minilm, table, tmp_path):
    out = tmp_path / "fused"
    _train(_config("fused", tfidf_bundle="", word_features_log2=12, char_features_log2=12, max_iter=100), table, out)
    model = Bundle.load(out).text_model
    assert [type(m).__name__ for m in model.members] == ["Pipeline", "MiniLMHead"]
    probs = model.predict_proba(["thanks for dinner, see you sunday", "hi xfirstnamex, quick question about xcompanyx"])
    assert probs.shape == (2, 3) and np.allclose(probs.sum(axis=1), 1.0)
    with (out / "fusion.skops").open("ab") as fh:
        fh.write(b"\0")
    with pytest.raises(BundleError, match="does not match the manifest"):
        Bundle.load(out)


def test_finetuned_encoder_is_saved_as_safetensors_and_reloads_to_the_same_predictions(tiny_minilm, table, tmp_path):
    from safetensors.torch import load_file

    from detector.models import minilm
    from detector.models import transformer as tm

    out = tmp_path / "ft"
    _train(_config("finetune", batch_size=32, learning_rate=1e-3), table, out)
    bundle = Bundle.load(out)
    assert bundle.manifest["kind"] == "minilm_finetune"
    assert {"classifier.safetensors", "encoder_config.json", "classifier.json", "tokenizer.json"} <= set(bundle.manifest["files"])
    base = load_file(str(minilm.model_dir() / minilm.WEIGHTS_FILE))
    tuned = load_file(str(out / "classifier.safetensors"))
    assert any(not np.allclose(base[k].numpy(), tuned[f"encoder.{k}"].numpy()) for k in base), "encoder did not train"

    texts = ["thanks for dinner, see you sunday", "hi xfirstnamex, quick question about xcompanyx", "ok"]
    again = tmp_path / "again"
    again.mkdir()
    tm.save_finetuned(bundle.text_model, again)
    reloaded = tm.load_finetuned(again, bundle.manifest)
    np.testing.assert_allclose(reloaded.predict_proba(texts), bundle.text_model.predict_proba(texts), atol=1e-6)
    assert Detector(bundle).score({"id": "x", "channel": "sms", "body": "see you at 6"})["verdict"] != "error"


def test_embedding_cache_fills_by_chunk_resumes_and_serves_the_same_vectors(tiny_minilm, tmp_path, monkeypatch):
    from detector.models import minilm
    from training import embeddings

    monkeypatch.setattr(embeddings, "CHUNK", 2)
    encoder = minilm.SentenceEncoder(memo_size=0)
    texts = ["one fish", "two fish", "red fish", "blue fish", "old fish"]
    embeddings.embed_cached(encoder, texts, tmp_path, log=lambda *_: None, part=(1, 2))  # another worker's share
    assert len(list(tmp_path.glob("*.npy"))) == 1
    vectors = embeddings.embed_cached(encoder, texts, tmp_path, log=lambda *_: None)
    assert len(list(tmp_path.glob("*.npy"))) == 3
    np.testing.assert_allclose(vectors, encoder.embed(texts), atol=1e-6)
    np.testing.assert_allclose(embeddings.embed_cached(encoder, texts, tmp_path, log=lambda *_: None), vectors)
