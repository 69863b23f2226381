"""Character n-gram hashing for the text model, done once per distinct word.

`CharNgramHasher` builds the same matrix as scikit-learn's
`HashingVectorizer(analyzer="char_wb", alternate_sign=False, norm=None, lowercase=True)`: the same
n-grams of each space-padded word, the same murmur3 buckets, counts summed. It differs only in
speed: words repeat within and across messages, and building and hashing every n-gram string
anew was the largest single cost of scoring (about 40 % of the engine's time, 3.5x less with
the per-word cache; tests/detector/test_text_features.py holds the equality).

This module's path is part of the bundle format: skops records the class as
`detector.text_features.CharNgramHasher` in every text_tfidf and fused bundle (shipped and users'
own), and loading imports it by that name, so it stays here rather than in `detector.models`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import murmurhash3_32

WORD_CACHE = 1 << 16
"""Distinct words whose buckets are kept per process."""
_WHITE_SPACES = re.compile(r"\s\s+")  # scikit-learn's own normalisation before splitting words
_INT32_MIN = -(2**31)


@lru_cache(maxsize=WORD_CACHE)
def _word_buckets(word: str, min_n: int, max_n: int, n_features: int) -> np.ndarray:
    """Bucket of every n-gram of " word " in scikit-learn's order; a padded word no longer than n
    counts once, and the larger n are skipped."""
    padded = f" {word} "
    grams: list[str] = []
    for n in range(min_n, max_n + 1):
        if len(padded) <= n:
            grams.append(padded)
            break
        grams.extend(padded[i:i + n] for i in range(len(padded) - n + 1))
    hashes = [murmurhash3_32(g, seed=0) for g in grams]
    # abs(INT32_MIN) overflows in scikit-learn's C code; it defines that bucket like this.
    return np.array([abs(h) % n_features if h != _INT32_MIN else (2**31 - 1 - (n_features - 1)) % n_features
                     for h in hashes], dtype=np.int32)


class CharNgramHasher(TransformerMixin, BaseEstimator):
    """Counts of hashed character n-grams inside word boundaries (stateless, like HashingVectorizer)."""

    def __init__(self, ngram_range: tuple[int, int] = (3, 5), n_features: int = 2**18, dtype=np.float32):
        self.ngram_range = ngram_range
        self.n_features = n_features
        self.dtype = dtype

    def fit(self, X: Iterable[str], y=None) -> CharNgramHasher:
        """Check the parameters; nothing is learned (hashing is stateless)."""
        min_n, max_n = self.ngram_range
        if not (1 <= min_n <= max_n) or self.n_features < 1:
            raise ValueError(f"invalid ngram_range {self.ngram_range} or n_features {self.n_features}")
        return self

    def transform(self, X: Iterable[str]) -> sp.csr_matrix:
        """(n_texts, n_features) CSR counts, as HashingVectorizer(analyzer="char_wb") builds them."""
        if isinstance(X, str):
            raise ValueError("CharNgramHasher takes an iterable of texts, not one string")
        min_n, max_n = self.ngram_range
        indptr, indices, counts = [0], [], []
        for text in X:
            words = _WHITE_SPACES.sub(" ", text.lower()).split()
            if words:
                buckets, n = np.unique(np.concatenate([_word_buckets(w, min_n, max_n, self.n_features) for w in words]),
                                       return_counts=True)
                indices.append(buckets)
                counts.append(n)
            indptr.append(indptr[-1] + (len(indices[-1]) if words else 0))
        data = np.concatenate(counts).astype(self.dtype) if counts else np.empty(0, self.dtype)
        columns = np.concatenate(indices) if indices else np.empty(0, np.int32)
        return sp.csr_matrix((data, columns, np.array(indptr, dtype=np.int64)), shape=(len(indptr) - 1, self.n_features))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.requires_fit = False
        return tags
