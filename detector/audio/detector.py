"""`SyntheticVoiceDetector`: probability that a voice recording was synthesised, not spoken.

The model is a scikit-learn classifier in a small bundle (detector/bundles/voice): a skops
file plus a manifest of sha256 sums, verified before loading, like the text bundle. A clip
is scored as the mean probability over its fixed-length windows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from detector.audio.decoding import load_audio
from detector.audio.features import MAX_WINDOWS, clip_features
from detector.bundle import MANIFEST, BundleError, load_skops, read_manifest_file, shipped_bundles_path, verify_files

VOICE_MODEL_FILE = "voice_model.skops"
VOICE_FORMAT = "sincere-voice-1"
TRUSTED_TYPES = frozenset({"sklearn.calibration._CalibratedClassifier", "sklearn.calibration._SigmoidCalibration"})
"""scikit-learn's own calibration internals, which skops does not trust by default."""


def default_voice_bundle_path() -> Path:
    return shipped_bundles_path() / "voice"


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
        manifest = read_manifest_file(path, "voice bundle")
        if manifest.get("kind") != VOICE_FORMAT or VOICE_MODEL_FILE not in manifest["files"]:
            raise BundleError(f"{path / MANIFEST}: not a {VOICE_FORMAT} bundle")
        verify_files(path, manifest)
        model_path = path / VOICE_MODEL_FILE
        model = load_skops(model_path, TRUSTED_TYPES)
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
