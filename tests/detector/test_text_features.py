"""The per-word n-gram hasher is scikit-learn's char_wb HashingVectorizer, only faster: same matrix."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import skops.io as sio
from sklearn.base import clone
from sklearn.feature_extraction.text import HashingVectorizer

from detector.models.kinds import TRUSTED_TYPES
from detector.text_features import CharNgramHasher

REPO = Path(__file__).resolve().parents[2]
TRICKY = [
    "", " ", "a", "ab", "abc", "abcd", "I  am\t\there\n\n ok", "Dear [FIRST_NAME], {{company}} %NAME%!",
    "naïve café Ünïcödé ΣΊΣΥΦΟΣ straße 東京 😀😀 ﬁnance", "x" * 300, "e-mail: dana.w@example.org https://a.b/c?d=e",
    "Hi   Dana,\r\n\r\nQuick question\u00a0about\u2009Q3 — 15-minute call?",
]


def _samples() -> list[str]:
    lines = (REPO / "data/samples/messages.jsonl").read_text(encoding="utf-8").splitlines()
    return TRICKY + [json.loads(line).get("body") or "" for line in lines]


@pytest.mark.parametrize("ngram_range, n_features", [((3, 5), 2**18), ((1, 3), 2**10), ((2, 2), 7)])
def test_same_matrix_as_scikit_learns_char_wb_hashing(ngram_range, n_features):
    texts = _samples()
    reference = HashingVectorizer(analyzer="char_wb", ngram_range=ngram_range, n_features=n_features,
                                  alternate_sign=False, norm=None, lowercase=True, dtype=np.float32).transform(texts)
    ours = CharNgramHasher(ngram_range=ngram_range, n_features=n_features).fit(texts).transform(texts)
    assert ours.shape == reference.shape and ours.dtype == reference.dtype
    assert (ours != reference).nnz == 0
    assert ours.nnz == reference.nnz  # no stored zeros either


def test_it_is_a_plain_estimator_a_bundle_may_hold(tmp_path):
    hasher = CharNgramHasher(ngram_range=(2, 4), n_features=2**12)
    assert clone(hasher).get_params() == hasher.get_params()
    path = tmp_path / "hasher.skops"
    sio.dump(hasher, path)
    assert set(sio.get_untrusted_types(file=path)) <= TRUSTED_TYPES
    loaded = sio.load(path, trusted=sorted(TRUSTED_TYPES))
    assert (loaded.transform(TRICKY) != hasher.transform(TRICKY)).nnz == 0


def test_bad_parameters_and_a_bare_string_are_refused():
    with pytest.raises(ValueError):
        CharNgramHasher(ngram_range=(4, 2)).fit([])
    with pytest.raises(ValueError):
        CharNgramHasher().transform("one string, not a list of texts")
