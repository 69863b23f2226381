"""The `cascade` text model: the TF-IDF model settles clear cases; a message whose TF-IDF probability
falls in an uncertain band (chosen on validation, stored in the manifest) is also read by
all-MiniLM-L6-v2 (the int8 ONNX encoder, no torch) and decided by the fusion of both models.

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
from detector.models.transformer import fusion_features


class CascadeModel:
    """TF-IDF probabilities, replaced by the fused TF-IDF + MiniLM-head probabilities for messages whose
    TF-IDF probability of being mass-produced lies in `band` (inclusive)."""

    def __init__(self, wording_model: Any, head: Any, stacker: Any, encoder: OnnxSentenceEncoder,
                 band: tuple[float, float]):
        classes = [list(m.classes_) for m in (wording_model, head, stacker)]
        if classes[0] != classes[1] or classes[0] != classes[2]:
            raise BundleError("cascade bundle: the TF-IDF model, the MiniLM head and the blend disagree on the classes")
        low, high = (float(b) for b in band)
        if not 0.0 <= low <= high <= 1.0:
            raise BundleError(f"cascade bundle: band {band!r} is not an interval within [0, 1]")
        self.wording_model = wording_model
        """The TF-IDF pipeline: its words are the evidence spans (the engine builds word weights from it)."""
        self._fast = LinearTextScorer.from_pipeline(wording_model) or wording_model
        self.head, self.stacker, self.encoder = head, stacker, encoder
        self.band = (low, high)
        self.classes_ = stacker.classes_
        self._personal = list(self.classes_).index("personal")

    def in_band(self, tfidf_probs: np.ndarray) -> np.ndarray:
        """Which rows the TF-IDF model leaves uncertain (they go to the encoder)."""
        p_mass = 1.0 - tfidf_probs[:, self._personal]
        return (p_mass >= self.band[0]) & (p_mass <= self.band[1])

    def fuse(self, tfidf_probs: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        """The fused probabilities of `texts` given their TF-IDF probabilities (the encoder reads them all)."""
        head_probs = self.head.predict_proba(self.encoder.embed(texts))
        return self.stacker.predict_proba(fusion_features(tfidf_probs, head_probs))

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """TF-IDF probabilities for every text; the band's rows replaced by the fusion's."""
        texts = list(texts)
        probs = np.asarray(self._fast.predict_proba(texts), dtype=np.float64)
        sent = np.flatnonzero(self.in_band(probs))
        if len(sent):
            probs[sent] = self.fuse(probs[sent], [texts[i] for i in sent])
        return probs
