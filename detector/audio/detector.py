"""`SyntheticVoiceDetector`: probability that a voice recording was synthesised, not spoken.

The bundle (detector/bundles/voice) holds a scikit-learn linear model over each 4 s window's
features (skops), `calibration.json` (a sigmoid from the clip's mean window logit to a
probability, fitted on speaker- and engine-held-out scores, and the operating threshold chosen
for a bounded human false-alarm rate), a model card and a manifest of sha256 sums verified
before anything is loaded, by the same verified-artifact loader as the text bundle
(detector.models.artifacts). The features are the hand-made cepstral and
prosody statistics (detector.audio.features), followed, when the manifest's `front_end` says
so, by pooled Whisper tiny.en encoder states (detector.audio.encoder).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from detector.audio.decoding import load_audio
from detector.audio.features import MAX_WINDOWS, clip_features
from detector.models.artifacts import MANIFEST, BundleError, load_skops, load_verified, shipped_bundles_path

VOICE_MODEL_FILE = "voice_model.skops"
CALIBRATION_FILE = "calibration.json"
VOICE_FORMAT = "sincere-voice-2"
FRONT_ENDS = ("hand", "whisper", "fused")
"""What a window's vector is: hand-made features, Whisper encoder states, or both side by side."""


def default_voice_bundle_path() -> Path:
    """The shipped voice bundle."""
    return shipped_bundles_path() / "voice"


def calibrated(mean_logit: np.ndarray | float, calibration: dict[str, float]) -> np.ndarray:
    """P(synthetic) from a clip's mean window logit (a Platt sigmoid fitted on held-out clips)."""
    z = calibration["slope"] * np.asarray(mean_logit, dtype=np.float64) + calibration["intercept"]
    return 1.0 / (1.0 + np.exp(-z))


def _check_manifest(path: Path, manifest: dict[str, Any]) -> None:
    files = manifest["files"]
    if manifest.get("kind") != VOICE_FORMAT or VOICE_MODEL_FILE not in files or CALIBRATION_FILE not in files \
            or manifest.get("front_end") not in FRONT_ENDS:
        raise BundleError(f"{path / MANIFEST}: not a {VOICE_FORMAT} bundle")


class SyntheticVoiceDetector:
    """A verified voice bundle's model and calibration: P(synthetic) per recording."""

    def __init__(self, model: Any, manifest: dict[str, Any], calibration: dict[str, Any], encoder=None):
        self.model = model
        self.manifest = manifest
        self.calibration = calibration
        self.encoder = encoder

    @property
    def version(self) -> str:
        """name-version, as voice results report it."""
        return f"{self.manifest['name']}-{self.manifest['version']}"

    @property
    def threshold(self) -> float:
        """The probability above which a voice counts as synthetic (a bounded human false-alarm rate)."""
        return float(self.calibration["threshold"])

    @classmethod
    def load(cls, path: str | Path | None = None, encoder=None) -> SyntheticVoiceDetector:
        """Verify and load a bundle; `encoder` (a WhisperEncoder) is loaded when the bundle needs one
        and none is given (EncoderUnavailable names the extra to install when it cannot be)."""
        path = Path(path) if path is not None else default_voice_bundle_path()
        manifest = load_verified(path, "voice bundle", _check_manifest)
        model_path = path / VOICE_MODEL_FILE
        model = load_skops(model_path, frozenset())
        if not hasattr(model, "decision_function") or list(getattr(model, "classes_", [])) != [0, 1]:
            raise BundleError(f"{model_path}: not a voice model (needs decision_function over classes 0/1)")
        try:
            calibration = json.loads((path / CALIBRATION_FILE).read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise BundleError(f"{path / CALIBRATION_FILE}: not valid JSON") from None
        if not isinstance(calibration, dict) or not all(
                isinstance(calibration.get(k), (int, float)) for k in ("slope", "intercept", "threshold")):
            raise BundleError(f"{path / CALIBRATION_FILE}: needs numeric slope, intercept and threshold")
        if manifest["front_end"] != "hand" and encoder is None:
            from detector.audio.encoder import default_encoder

            encoder = default_encoder()
        return cls(model, manifest, calibration, encoder)

    def window_logits(self, source: str | Path | np.ndarray, sample_rate: int | None = None,
                      max_windows: int = MAX_WINDOWS) -> np.ndarray:
        """The linear model's logit of each scored window; AudioError for input that is not usable audio."""
        front_end = self.manifest["front_end"]
        features = clip_features(load_audio(source, sample_rate), max_windows,
                                 None if front_end == "hand" else self.encoder, hand=front_end != "whisper")
        return self.model.decision_function(features)

    def score(self, source: str | Path | np.ndarray, sample_rate: int | None = None) -> float:
        """P(synthetic voice) of one recording: a path, or an array with its sample_rate."""
        return float(calibrated(np.mean(self.window_logits(source, sample_rate)), self.calibration))


_default: SyntheticVoiceDetector | None = None


def synthetic_voice(source: str | Path | np.ndarray, sample_rate: int | None = None) -> float:
    """P(synthetic voice) with the shipped voice bundle (loaded once)."""
    global _default
    if _default is None:
        _default = SyntheticVoiceDetector.load()
    return _default.score(source, sample_rate)
