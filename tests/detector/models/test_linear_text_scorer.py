"""The lean scorer gives the tf-idf pipeline's own probabilities, and declines other models."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import sklearn
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from detector.engine import Detector, prepare
from detector.features import model_text
from detector.models.bundle import Bundle
from detector.models.linear_text_scorer import LinearTextScorer
from detector.signals import default_registry
from detector.text_features import CharNgramHasher

REPO = Path(__file__).resolve().parents[3]
EDGE_CASES = [
    "", "hello", "!!! ... ??? 12 345 6789 -- %%", "word " * 3000 + "naïve café",
    "naïve café Ünïcödé ΣΊΣΥΦΟΣ straße 東京 😀😀 ﬁnance", "Hi   Dana,\r\n\r\nQuick question\u00a0about\u2009Q3?",
]
TRAINING = [
    ("Dear [FIRST_NAME], we noticed you might like our new product line", "bulk"),
    ("Huge sale this weekend only, click here to unsubscribe", "bulk"),
    ("Your weekly newsletter: ten tips for better sleep", "bulk"),
    ("Hi Mark, the venue moved the keynote to 2pm, lunch with Ted still on?", "personal"),
    ("Thanks for the proofs of chapter 4, I'll read them tonight", "personal"),
    ("Can you pick up the kids at five? Love, D", "personal"),
    ("Hi Mark, I created this personal video just for you", "smile"),
    ("I loved your recent post and thought of you for our platform", "smile"),
    ("Quick question, Mark: 15 minutes next week to chat about growth?", "smile"),
]


def _sample_texts() -> list[str]:
    """The samples both as the engine feeds the model (model_text) and as raw bodies, plus edge cases."""
    registry = default_registry()
    records = [json.loads(line) for line in (REPO / "data/samples/messages.jsonl").read_text(encoding="utf-8").splitlines()]
    return [model_text(*prepare(r, registry)) for r in records] + [r.get("body") or "" for r in records] + EDGE_CASES


def _pipeline(classifier, hash_dtype=np.float64, tfidf: TfidfTransformer | None = None) -> Pipeline:
    """The shipped model's shape, small."""
    return Pipeline([
        ("features", FeatureUnion([
            ("word", Pipeline([("hash", HashingVectorizer(alternate_sign=False, dtype=hash_dtype, n_features=2**10,
                                                          ngram_range=(1, 2), norm=None)),
                               ("tfidf", tfidf or TfidfTransformer(sublinear_tf=True))])),
            ("char", Pipeline([("hash", CharNgramHasher(n_features=2**11, dtype=hash_dtype)),
                               ("tfidf", TfidfTransformer(sublinear_tf=True))])),
        ])),
        ("clf", classifier),
    ])


def _fitted(classifier=None, labels=None, **kwargs) -> Pipeline:
    texts, default_labels = zip(*TRAINING, strict=True)
    return _pipeline(classifier or LogisticRegression(C=3, class_weight="balanced"), **kwargs).fit(
        list(texts), list(labels or default_labels))


def test_same_probabilities_as_the_shipped_pipeline():
    model = Bundle.load(REPO / "detector/bundles/tfidf").text_model
    scorer = LinearTextScorer.from_pipeline(model)
    assert scorer is not None
    texts = _sample_texts()
    with sklearn.config_context(skip_parameter_validation=True):
        expected = model.predict_proba(texts)
    # The shipped model is float32 (hashers, idf_, coef_), so scikit-learn's own result is exact
    # only to float32 rounding; the scorer computes in float64.
    np.testing.assert_allclose(scorer.predict_proba(texts), expected, rtol=0, atol=1e-6)
    np.testing.assert_allclose(scorer.predict_proba([""]), model.predict_proba([""]), rtol=0, atol=1e-6)
    assert list(scorer.classes_) == list(model.classes_)


@pytest.mark.parametrize("labels", [None, ["bulk"] * 3 + ["personal"] * 3 + ["bulk"] * 3], ids=["3 classes", "2 classes"])
def test_same_probabilities_as_a_fitted_float64_pipeline(labels):
    model = _fitted(labels=labels)
    scorer = LinearTextScorer.from_pipeline(model)
    assert scorer is not None
    texts = _sample_texts() + [t for t, _ in TRAINING]
    # All float64 on both sides: only the summation order differs.
    np.testing.assert_allclose(scorer.predict_proba(texts), model.predict_proba(texts), rtol=0, atol=1e-12)


@pytest.mark.parametrize("model", [
    _fitted(LinearSVC()),
    _fitted(tfidf=TfidfTransformer(sublinear_tf=False)),
    _fitted(tfidf=TfidfTransformer(sublinear_tf=True, norm="l1")),
    _pipeline(LogisticRegression()),  # not fitted
    Pipeline([("hash", HashingVectorizer()), ("clf", LogisticRegression())]),
    LogisticRegression(),
], ids=["other classifier", "linear tf", "l1 norm", "unfitted", "no feature union", "no pipeline"])
def test_declines_other_models(model):
    assert LinearTextScorer.from_pipeline(model) is None


def test_declines_transformer_weights():
    model = _fitted()
    model.named_steps["features"].transformer_weights = {"word": 2.0, "char": 1.0}
    assert LinearTextScorer.from_pipeline(model) is None


def test_engine_scores_the_shipped_model_with_the_scorer():
    detector = Detector(Bundle.load(REPO / "detector/bundles/tfidf"))
    assert isinstance(detector._predict_text_proba.__self__, LinearTextScorer)


def test_declines_one_vs_rest_from_older_scikit_learn():
    model = _fitted()
    model.named_steps["clf"].multi_class = "ovr"  # scikit-learn < 1.8 then normalised sigmoids, not a softmax
    assert LinearTextScorer.from_pipeline(model) is None


@pytest.mark.parametrize("labels", [None, ["bulk"] * 3 + ["personal"] * 6], ids=["3 classes", "2 classes"])
def test_word_weights_point_away_from_the_named_class(labels):
    # "unsubscribe" and "newsletter" appear only in bulk texts, "kids" only in a personal one.
    scorer = LinearTextScorer.from_pipeline(_fitted(labels=labels))
    weight = scorer.word_weight_lookup("personal")
    assert weight("unsubscribe") > 0 and weight("newsletter") > 0
    assert weight("kids") < 0
    assert scorer.word_weight_lookup("no such class") is None


def test_no_word_weights_without_a_word_block():
    model = _fitted()
    model.named_steps["features"].transformer_list[0][1].steps[0][1].set_params(analyzer="char_wb")
    assert LinearTextScorer.from_pipeline(model).word_weight_lookup("personal") is None
