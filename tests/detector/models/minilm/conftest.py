"""A tiny random BERT standing in for all-MiniLM-L6-v2 (transformer tests; nothing downloaded)."""

import string
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def tiny_bert_dir(tmp_path_factory) -> Path:
    """A random 2-layer, 32-wide BERT with a character-level tokenizer, saved like the packaged MiniLM.

    It stands in for all-MiniLM-L6-v2 in tests: built locally in a second, nothing downloaded.
    """
    torch = pytest.importorskip("torch", reason="the [transformer] extra is not installed")
    transformers = pytest.importorskip("transformers", reason="the [transformer] extra is not installed")
    folder = tmp_path_factory.mktemp("tiny_bert")
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *string.ascii_lowercase,
             *(f"##{c}" for c in string.ascii_lowercase), *string.digits, *string.punctuation]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    transformers.BertTokenizerFast(vocab_file=str(folder / "vocab.txt"), do_lower_case=True).save_pretrained(str(folder))
    torch.manual_seed(0)
    config = transformers.BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                                     intermediate_size=64, max_position_embeddings=128)
    transformers.BertModel(config).save_pretrained(str(folder))
    return folder


@pytest.fixture
def tiny_minilm(tiny_bert_dir, monkeypatch) -> Path:
    """The tiny BERT installed in place of the packaged all-MiniLM-L6-v2 (path and expected hash)."""
    from detector.models import minilm
    from detector.models.artifacts import sha256_file

    monkeypatch.setattr(minilm, "model_dir", lambda: tiny_bert_dir)
    monkeypatch.setattr(minilm, "MODEL_SHA256", sha256_file(tiny_bert_dir / minilm.WEIGHTS_FILE))
    minilm.shared_encoder.cache_clear()
    yield tiny_bert_dir
    minilm.shared_encoder.cache_clear()


@pytest.fixture
def head_bundle(tiny_minilm, tmp_path) -> Path:
    """A minilm_head bundle made by hand: a linear head on the tiny encoder's embeddings, the shipped policy."""
    import shutil

    import numpy as np
    import skops.io as sio
    from sklearn.linear_model import LogisticRegression

    from detector.models import minilm
    from detector.models.artifacts import write_manifest
    from detector.models.bundle import POLICY_FILE, default_bundle_path

    texts = ["hi {name}, quick question about your company", "thanks for dinner, see you sunday",
             "weekly digest: top stories, unsubscribe"] * 4
    labels = ["smile", "personal", "bulk"] * 4
    X = minilm.SentenceEncoder(memo_size=0).embed(texts)
    out = tmp_path / "head_bundle"
    out.mkdir()
    sio.dump(LogisticRegression().fit(X, labels), out / "minilm_head.skops")
    shutil.copy(default_bundle_path() / POLICY_FILE, out / POLICY_FILE)
    write_manifest(out, {"name": "tiny-head", "version": "0", "kind": "minilm_head",
                         "encoder": {"sha256": minilm.MODEL_SHA256, "max_length": 32, "int8": False}})
    assert np.isfinite(X).all()
    return out
