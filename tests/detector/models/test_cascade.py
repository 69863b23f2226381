"""The default `cascade` kind: the int8 ONNX encoder is pinned and verified, only the TF-IDF model's
uncertain band reaches the encoder, the engine keeps its TF-IDF evidence and its workers."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from detector.engine import Detector
from detector.models import onnx_minilm
from detector.models.artifacts import BundleError, sha256_file
from detector.models.bundle import Bundle, default_bundle_path
from detector.models.cascade import CascadeModel
from detector.models.kinds import TOKENIZER_FILE
from detector.models.onnx_minilm import ONNX_SHA256, OnnxSentenceEncoder, onnx_model_path

REPO = Path(__file__).parents[3]
SAMPLES = REPO / "data" / "samples" / "messages.jsonl"


@pytest.fixture(scope="module")
def cascade() -> CascadeModel:
    return Bundle.load(default_bundle_path()).text_model


def sample_texts() -> list[str]:
    records = [json.loads(line) for line in SAMPLES.read_text().splitlines() if line.strip()]
    return [f"{r.get('subject') or ''}\n\n{r['body']}" for r in records if r.get("body")]


def test_the_default_bundle_is_the_cascade_and_ships_the_tokenizer_pinned(cascade):
    manifest = Bundle.load(default_bundle_path()).manifest
    assert manifest["kind"] == "cascade" and isinstance(cascade, CascadeModel)
    assert manifest["encoder"]["sha256"] == ONNX_SHA256
    tokenizer = default_bundle_path() / TOKENIZER_FILE
    assert manifest["files"][TOKENIZER_FILE] == sha256_file(tokenizer)
    low, high = manifest["cascade"]["band"]
    assert 0.0 <= low < high <= 1.0 and cascade.band == (low, high)


def test_the_installed_onnx_file_is_the_pinned_one():
    assert sha256_file(onnx_model_path()) == ONNX_SHA256 == "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"


def test_a_tampered_onnx_file_is_refused_before_onnxruntime_reads_it(tmp_path, monkeypatch):
    tampered = tmp_path / "model.onnx"
    data = bytearray(onnx_model_path().read_bytes())
    data[len(data) // 2] ^= 0xFF
    tampered.write_bytes(bytes(data))
    monkeypatch.setattr(onnx_minilm, "onnx_model_path", lambda: tampered)
    with pytest.raises(BundleError, match="sha256"):
        Bundle.load(default_bundle_path())


def test_a_tampered_tokenizer_is_refused(bundle_copy):
    tokenizer = bundle_copy / TOKENIZER_FILE
    tokenizer.write_text(tokenizer.read_text().replace('"[UNK]"', '"[UNKNOWN]"', 1))
    with pytest.raises(BundleError, match="sha256"):
        Bundle.load(bundle_copy)


def test_score_with_a_tampered_tokenizer_exits_2_with_one_line(bundle_copy):
    tokenizer = bundle_copy / TOKENIZER_FILE
    tokenizer.write_bytes(tokenizer.read_bytes() + b" ")
    done = subprocess.run([sys.executable, "-c", "from detector.cli import main; main()", "score", "--text",
                           "hello there", "--jsonl", "--model", str(bundle_copy)], capture_output=True, cwd=REPO)
    stderr = done.stderr.decode()
    assert done.returncode == 2 and "Traceback" not in stderr and "tokenizer.json" in stderr, stderr
    assert len(stderr.strip().splitlines()) == 1, stderr


def test_only_the_band_goes_to_the_encoder_in_one_batch(cascade, monkeypatch):
    texts = sample_texts() * 3
    tfidf = cascade._fast.predict_proba(texts)
    band = cascade.in_band(tfidf)
    calls = []
    real_embed = cascade.encoder.embed
    monkeypatch.setattr(cascade.encoder, "embed", lambda batch: calls.append(list(batch)) or real_embed(batch))
    probs = cascade.predict_proba(texts)
    sent = [t for t, b in zip(texts, band, strict=True) if b]
    assert calls == ([sent] if sent else [])
    np.testing.assert_allclose(probs[~band], tfidf[~band])
    if sent:
        np.testing.assert_allclose(probs[band], cascade.fuse(tfidf[band], sent), rtol=1e-5)


def test_a_band_of_everything_encodes_every_text_and_an_empty_band_none(cascade):
    texts = sample_texts()
    everything = CascadeModel(cascade.wording_model, cascade.head,
                              OnnxSentenceEncoder(default_bundle_path() / TOKENIZER_FILE, memo_size=0), (0.0, 1.0),
                              cascade.tfidf_weight)
    everything.predict_proba(texts)
    assert everything.encoder.encoded_texts == len(texts)
    nothing = CascadeModel(cascade.wording_model, cascade.head,
                           OnnxSentenceEncoder(default_bundle_path() / TOKENIZER_FILE, memo_size=0), (1.0, 1.0),
                           cascade.tfidf_weight)
    probs = nothing.predict_proba(texts)
    assert nothing.encoder.encoded_texts == sum(nothing.in_band(probs))


def test_the_onnx_encoder_agrees_with_the_torch_encoder():
    pytest.importorskip("torch", reason="the [transformer] extra (torch) is not installed; nothing to compare with")
    from detector.models import minilm

    if minilm.transformer_missing():
        pytest.skip(minilm.transformer_missing())
    texts = sample_texts()
    onnx = OnnxSentenceEncoder(default_bundle_path() / TOKENIZER_FILE, max_length=64, memo_size=0).embed(texts)
    fp32 = minilm.SentenceEncoder(max_length=64, memo_size=0).embed(texts)
    cosine = np.sum(onnx * fp32, axis=1)
    assert cosine.min() > 0.99 and cosine.mean() > 0.995, cosine


def test_the_engine_keeps_tfidf_evidence_for_the_cascade():
    detector = Detector(Bundle.load(default_bundle_path()))
    result = detector.score({"id": "1", "channel": "email", "subject": "Quick question",
                             "body": "Hi Dana, I hope this email finds you well. I wanted to reach out "
                                     "because our platform helps companies like yours boost revenue. Are you free "
                                     "for a quick 15-minute call next week? Best, Sam"})
    assert result["verdict"] != "personal"
    text_reason = [r for r in result["reasons"] if r["code"] == "TEXT_MODEL"]
    assert text_reason and text_reason[0]["evidence"], result["reasons"]


def test_two_forked_workers_score_like_one():
    records = [json.loads(line) for line in SAMPLES.read_text().splitlines() if line.strip()] * 4
    detector = Detector(Bundle.load(default_bundle_path()))
    one = [(r["id"], r["verdict"], r["score"]) for r in detector.score_many(records)]
    two = [(r["id"], r["verdict"], r["score"]) for r in detector.score_many(records, workers=2)]
    assert one == two and len(one) == len(records)


def test_the_cascade_scores_its_tfidf_member_with_the_numpy_scorer(cascade):
    from detector.models.linear_text_scorer import LinearTextScorer

    assert isinstance(cascade._fast, LinearTextScorer)
    texts = sample_texts()
    np.testing.assert_allclose(cascade._fast.predict_proba(texts), cascade.wording_model.predict_proba(texts), atol=1e-6)


def test_the_encoder_takes_two_threads_where_two_cores_are_free_and_the_setting_overrides(monkeypatch):
    tokenizer = default_bundle_path() / TOKENIZER_FILE
    monkeypatch.delenv(onnx_minilm.THREADS_ENV, raising=False)
    monkeypatch.setattr(onnx_minilm, "_usable_cores", lambda: 4)
    assert OnnxSentenceEncoder(tokenizer).threads == 2
    monkeypatch.setattr(onnx_minilm, "_usable_cores", lambda: 1)
    assert OnnxSentenceEncoder(tokenizer).threads == 1
    monkeypatch.setenv(onnx_minilm.THREADS_ENV, "3")
    encoder = OnnxSentenceEncoder(tokenizer)
    assert encoder.threads == 3
    assert encoder.embed(["a quick note"]).shape == (1, 384)  # the session runs with that setting


def test_the_core_count_falls_back_to_all_cores_where_the_platform_has_no_affinity(monkeypatch):
    monkeypatch.delattr(onnx_minilm.os, "sched_getaffinity", raising=False)  # macOS, Windows
    monkeypatch.setattr(onnx_minilm.os, "cpu_count", lambda: 6)
    assert onnx_minilm._usable_cores() == 6
