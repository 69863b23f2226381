"""The registry of text model kinds: what a bundle's manifest `kind` means, the files that kind needs
besides the policy, and how its model is loaded. Loading and training both read it (training's own
registry, `training.kinds`, adds how each kind is trained), so a kind is declared once.

Every kind's model has `classes_` and `predict_proba(texts)`, so the engine and the policy treat
every kind alike. The transformer kinds need the `[transformer]` extra; torch is imported only when
one of them is loaded (detector.models.minilm.require_torch). The `cascade` kind (the default) reads
MiniLM through onnxruntime, in the base install, and exposes its TF-IDF pipeline as `wording_model` (and in numpy as `wording_scorer`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from detector.models.artifacts import BundleError, load_skops
from detector.models.cascade import CascadeModel
from detector.models.onnx_minilm import ONNX_SHA256, OnnxSentenceEncoder
from detector.models.transformer import FusedModel, MiniLMHead, load_encoder, load_finetuned

TEXT_MODEL_FILE = "text_model.skops"
HEAD_FILE = "minilm_head.skops"
STACKER_FILE = "fusion.skops"
TOKENIZER_FILE = "tokenizer.json"
TRUSTED_TYPES: frozenset[str] = frozenset({
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "detector.text_features.CharNgramHasher",
})
"""Types beyond skops' own scikit-learn/numpy/scipy defaults that a text bundle may contain (the
calibrated MiniLM head's private scikit-learn parts and our n-gram hasher: parameters, no code)."""


@dataclass(frozen=True)
class ModelKind:
    """One kind of text model: the files a bundle of it holds and the function that loads them."""

    files: tuple[str, ...]
    load: Callable[[Path, dict[str, Any]], Any]
    """(bundle folder, verified manifest) -> a model with `classes_` and `predict_proba`."""


def _load_tfidf(path: Path, manifest: dict[str, Any]) -> Any:
    return load_skops(path / TEXT_MODEL_FILE, TRUSTED_TYPES)


def _load_head(path: Path, manifest: dict[str, Any]) -> Any:
    return MiniLMHead(load_encoder(manifest), load_skops(path / HEAD_FILE, TRUSTED_TYPES))


def _load_fused(path: Path, manifest: dict[str, Any]) -> Any:
    members = [_load_tfidf(path, manifest), _load_head(path, manifest)]
    return FusedModel(members, load_skops(path / STACKER_FILE, TRUSTED_TYPES))


def _load_cascade(path: Path, manifest: dict[str, Any]) -> Any:
    settings, cascade = manifest.get("encoder", {}), manifest.get("cascade", {})
    if settings.get("sha256") != ONNX_SHA256:
        raise BundleError(f"{path}: cascade bundle was trained on another encoder than the pinned int8 ONNX MiniLM")
    band, weight = cascade.get("band"), cascade.get("tfidf_weight")
    if not (isinstance(band, list) and len(band) == 2 and all(isinstance(b, (int, float)) for b in band)
            and isinstance(weight, (int, float))):
        raise BundleError(f"{path}: cascade bundle's manifest has no band [low, high] and tfidf_weight")
    encoder = OnnxSentenceEncoder(path / TOKENIZER_FILE, max_length=int(settings.get("max_length", 64)))
    return CascadeModel(_load_tfidf(path, manifest), load_skops(path / HEAD_FILE, TRUSTED_TYPES), encoder,
                        (band[0], band[1]), weight)


KINDS: dict[str, ModelKind] = {
    "text_tfidf": ModelKind((TEXT_MODEL_FILE,), _load_tfidf),
    "minilm_head": ModelKind((HEAD_FILE,), _load_head),
    "minilm_finetune": ModelKind(("classifier.safetensors", "encoder_config.json", "classifier.json", "tokenizer.json"),
                                 load_finetuned),
    "minilm_fused": ModelKind((TEXT_MODEL_FILE, HEAD_FILE, STACKER_FILE), _load_fused),
    "cascade": ModelKind((TEXT_MODEL_FILE, TOKENIZER_FILE, HEAD_FILE), _load_cascade),
}
"""Every text model kind a bundle may hold. To add one: an entry here, its trainer in `training.kinds`."""
DEFAULT_KIND = "text_tfidf"
"""The kind of a manifest that names none (bundles from before kinds existed)."""


def bundle_kind(manifest: dict[str, Any]) -> str:
    """The kind a manifest declares."""
    return str(manifest.get("kind", DEFAULT_KIND))
