"""The `cascade` text model: the TF-IDF model settles clear cases; a message whose TF-IDF probability
falls in an uncertain band (chosen on validation, stored in the manifest) is also read by
all-MiniLM-L6-v2 (the int8 ONNX encoder, no torch) and decided by a weighted geometric mean of both
models' probabilities (a log-linear pool, its one weight chosen on validation). A pool lies between its
members: it cannot be surer than the surer of the two, as a stacker fitted on in-distribution
validation data can be (one sharpened the TF-IDF model's confidence on a friend's note).

Meaning-based reading where it changes decisions, at the cost of the encoder only for the band's
share of messages; the band's messages go through the encoder in one batch per call.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from detector.models.artifacts import BundleError
from detector.models.linear_text_scorer import LinearTextScorer
from detector.models.onnx_minilm import OnnxSentenceEncoder


def log_linear_pool(first: np.ndarray, second: np.ndarray, weight: float) -> np.ndarray:
    """Row-normalised first**weight * second**(1 - weight): each class's log-probability a weighted mean."""
    logs = weight * np.log(np.clip(first, 1e-9, 1.0)) + (1.0 - weight) * np.log(np.clip(second, 1e-9, 1.0))
    pooled = np.exp(logs - logs.max(axis=1, keepdims=True))
    return pooled / pooled.sum(axis=1, keepdims=True)


def in_band(p_mass: np.ndarray, band: tuple[float, float]) -> np.ndarray:
    """Which rows' TF-IDF probability of being mass-produced lies in `band` (inclusive): the rows the
    encoder reads, here, in training's band choice and in its repository cross-validation alike."""
    return (p_mass >= band[0]) & (p_mass <= band[1])


class CascadeModel:
    """TF-IDF probabilities, replaced by the pooled TF-IDF + MiniLM-head probabilities for messages whose
    TF-IDF probability of being mass-produced lies in `band` (inclusive)."""

    def __init__(self, wording_model: Any, head: Any, encoder: OnnxSentenceEncoder, band: tuple[float, float],
                 tfidf_weight: float):
        if list(wording_model.classes_) != list(head.classes_):
            raise BundleError("cascade bundle: the TF-IDF model and the MiniLM head disagree on the classes")
        low, high = (float(b) for b in band)
        if not 0.0 <= low <= high <= 1.0:
            raise BundleError(f"cascade bundle: band {band!r} is not an interval within [0, 1]")
        if not 0.0 <= float(tfidf_weight) <= 1.0:
            raise BundleError(f"cascade bundle: tfidf_weight {tfidf_weight!r} is not within [0, 1]")
        self.wording_model = wording_model
        """The TF-IDF pipeline."""
        self.wording_scorer = LinearTextScorer.from_pipeline(wording_model)
        """The same model in plain numpy (None for a pipeline of another shape): scores every message, and
        the engine takes the evidence spans' word weights from it."""
        self._fast = self.wording_scorer or wording_model
        self.head, self.encoder = head, encoder
        self.band = (low, high)
        self.tfidf_weight = float(tfidf_weight)
        self.classes_ = wording_model.classes_
        self._personal = list(self.classes_).index("personal")

    def in_band(self, tfidf_probs: np.ndarray) -> np.ndarray:
        """Which rows the TF-IDF model leaves uncertain (they go to the encoder)."""
        return in_band(1.0 - tfidf_probs[:, self._personal], self.band)

    def fuse(self, tfidf_probs: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        """The pooled probabilities of `texts` given their TF-IDF probabilities (the encoder reads them all)."""
        return log_linear_pool(tfidf_probs, self.head.predict_proba(self.encoder.embed(texts)), self.tfidf_weight)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """TF-IDF probabilities for every text; the band's rows replaced by the fusion's."""
        texts = list(texts)
        probs = np.asarray(self._fast.predict_proba(texts), dtype=np.float64)
        sent = np.flatnonzero(self.in_band(probs))
        if len(sent):
            probs[sent] = self.fuse(probs[sent], [texts[i] for i in sent])
        return probs
