"""The TF-IDF text model: hashed word and character n-grams, multinomial logistic regression.

Hashing keeps no vocabulary, so a shipped bundle holds weights per hash bucket and never
fragments of the training messages.
"""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from detector.text_features import CharNgramHasher
from training.config import TextTfidfConfig


def _block(config: TextTfidfConfig, analyzer: str) -> Pipeline:
    if analyzer == "word":
        hasher = HashingVectorizer(ngram_range=tuple(config.word_ngrams), n_features=2 ** config.word_features_log2,
                                   alternate_sign=False, lowercase=True, norm=None, dtype=np.float32)
    else:  # HashingVectorizer(analyzer="char_wb") features, hashed once per distinct word
        hasher = CharNgramHasher(ngram_range=tuple(config.char_ngrams), n_features=2 ** config.char_features_log2)
    return Pipeline([("hash", hasher), ("tfidf", TfidfTransformer(sublinear_tf=True))])


def build_text_pipeline(config: TextTfidfConfig) -> Pipeline:
    """Word block first: the engine maps words back to weights through it for explanations."""
    features = FeatureUnion([("word", _block(config, "word")), ("char", _block(config, "char_wb"))])
    clf = LogisticRegression(C=config.C, max_iter=config.max_iter, class_weight="balanced", random_state=config.seed)
    return Pipeline([("features", features), ("clf", clf)])
