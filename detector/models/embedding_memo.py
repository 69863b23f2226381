"""The memo both MiniLM sentence encoders (torch and int8 ONNX) answer repeated texts from."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

MEMO_SIZE = 8192
"""Embeddings kept per encoder (about 1.5 KB each)."""


class MemoisedEncoder:
    """Base of the sentence encoders: `embed` answers texts it has just embedded from a bounded memo,
    keyed by a hash of the text and kept in memory only (never written anywhere), and sends the rest
    to the encoder's own `_encode`. Copies of one campaign mask to the same text, and a fused bundle
    asks for the same embeddings as a head bundle scoring beside it."""

    dimension: int

    def __init__(self, memo_size: int = MEMO_SIZE):
        self.memo_size = memo_size
        self._memo: OrderedDict[bytes, np.ndarray] = OrderedDict()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One normalised embedding per text, (n, dimension) float32; memoised texts skip the encoder."""
        keys = [_key(text) for text in texts]
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        todo = []
        for i, key in enumerate(keys):
            if key in self._memo:
                out[i] = self._memo[key]
                self._memo.move_to_end(key)
            else:
                todo.append(i)
        if todo:
            out[todo] = self._encode([texts[i] for i in todo])
            for i in todo:
                self._remember(keys[i], out[i])
        return out

    def remember(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Seed the memo with vectors computed earlier by this same encoder (training's disk cache)."""
        for text, vector in zip(texts, vectors, strict=True):
            self._remember(_key(text), vector)

    def _remember(self, key: bytes, vector: np.ndarray) -> None:
        if self.memo_size > 0:
            self._memo[key] = vector.copy()
            while len(self._memo) > self.memo_size:
                self._memo.popitem(last=False)

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        raise NotImplementedError


def _key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
