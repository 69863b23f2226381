"""The tiny-BERT fixtures of the detector's transformer tests, shared with the trainer tests."""

from tests.detector.models.minilm.conftest import tiny_bert_dir, tiny_minilm  # noqa: F401
