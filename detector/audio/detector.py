"""`SyntheticVoiceDetector`: probability that a voice recording was synthesised, not spoken.

The model is a scikit-learn classifier in a small bundle (detector/bundles/voice): a skops
file plus a manifest of sha256 sums, verified before loading, like the text bundle. A clip
is scored as the mean probability over its fixed-length windows.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import skops.io as sio

from detector.audio.decoding import load_audio
from detector.audio.features import MAX_WINDOWS, clip_features
from detector.bundle import MANIFEST, BundleError, verify_files

VOICE_MODEL_FILE = "voice_model.skops"
VOICE_FORMAT = "sincere-voice-1"
TRUSTED_TYPES = frozenset({"sklearn.calibration._CalibratedClassifier", "sklearn.calibration._SigmoidCalibration"})
"""scikit-learn's own calibration internals, which skops does not trust by default."""


def default_voice_bundle_path() -> Path:
    return Path(str(resources.files("detector") / "bundles" / "voice"))


class SyntheticVoiceDetector:
    def __init__(self, model: Any, manifest: dict[str, Any]):
        self.model = model
        self.manifest = manifest

    @property
    def version(self) -> str:
        return f"{self.manifest['name']}-{self.manifest['version']}"

    @classmethod
    def load(cls, path: str | Path | None = None) -> SyntheticVoiceDetector:
        path = Path(path) if path is not None else default_voice_bundle_path()
        manifest_path = path / MANIFEST
        if not manifest_path.is_file():
            raise BundleError(f"{path}: no {MANIFEST}; not a voice bundle")
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise BundleError(f"{manifest_path}: not valid JSON") from None
        if manifest.get("kind") != VOICE_FORMAT or VOICE_MODEL_FILE not in manifest.get("files", {}):
            raise BundleError(f"{manifest_path}: not a {VOICE_FORMAT} bundle")
        verify_files(path, manifest)
        model_path = path / VOICE_MODEL_FILE
        untrusted = set(sio.get_untrusted_types(file=model_path)) - TRUSTED_TYPES
        if untrusted:
            raise BundleError(f"{model_path}: refusing untrusted types {sorted(untrusted)}")
        try:
            model = sio.load(model_path, trusted=sorted(TRUSTED_TYPES))
        except Exception as exc:
            raise BundleError(f"{model_path}: not a readable skops file ({type(exc).__name__})") from None
        if not hasattr(model, "predict_proba") or list(getattr(model, "classes_", [])) != [0, 1]:
            raise BundleError(f"{model_path}: not a voice model (needs predict_proba over classes 0/1)")
        return cls(model, manifest)

    def window_scores(self, source: str | Path | np.ndarray, sample_rate: int | None = None,
                      max_windows: int = MAX_WINDOWS) -> np.ndarray:
        """P(synthetic) of each scored window; raises AudioError for input that is not usable audio."""
        features = clip_features(load_audio(source, sample_rate), max_windows)
        return self.model.predict_proba(features)[:, 1]

    def score(self, source: str | Path | np.ndarray, sample_rate: int | None = None) -> float:
        """P(synthetic voice) of one recording: a path, or an array with its sample_rate."""
        return float(np.mean(self.window_scores(source, sample_rate)))


_default: SyntheticVoiceDetector | None = None


def synthetic_voice(source: str | Path | np.ndarray, sample_rate: int | None = None) -> float:
    """P(synthetic voice) with the shipped voice bundle (loaded once)."""
    global _default
    if _default is None:
        _default = SyntheticVoiceDetector.load()
    return _default.score(source, sample_rate)
