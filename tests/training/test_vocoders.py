"""Copy-synthesis vocoders: a resynthesised clip keeps its length, pitch and spectral envelope, not its samples."""

import random

import numpy as np
import pytest
from scipy.signal import stft

from training import vocoders

RATE = 8000


def _voice(seconds: float = 1.5, f0: float = 140.0) -> np.ndarray:
    """A voiced 'vowel': harmonics of f0 under a formant-like envelope, with an onset and decay."""
    t = np.arange(int(seconds * RATE)) / RATE
    x = sum(np.sin(2 * np.pi * f0 * k * t) * np.exp(-((f0 * k - 700) / 600) ** 2) for k in range(1, 25))
    return (0.3 * x * np.hanning(t.size)).astype(np.float32)


def _log_spectrum(x: np.ndarray) -> np.ndarray:
    _, _, spec = stft(x, fs=RATE, nperseg=256)
    return np.log(np.mean(np.abs(spec) ** 2, axis=1) + 1e-9)


def _pitch(x: np.ndarray) -> float:
    ac = np.correlate(x[2000:6000], x[2000:6000], "full")[3999:]
    lo, hi = RATE // 400, RATE // 60
    return RATE / (lo + int(np.argmax(ac[lo:hi])))


@pytest.mark.parametrize("name", list(vocoders.VOCODERS))
def test_a_vocoded_copy_keeps_length_pitch_and_envelope_but_not_the_samples(name):
    if reason := vocoders.missing_reason(name):
        pytest.skip(reason)
    x = _voice()
    y = vocoders.vocode(name, x, RATE, "seed")
    assert y.dtype == np.float32 and y.size == x.size
    assert np.array_equal(y, vocoders.vocode(name, x, RATE, "seed"))  # seeded: a rebuild gives the same clip
    assert not np.allclose(y, x, atol=1e-2)
    assert abs(_pitch(y) - _pitch(x)) / _pitch(x) < 0.05
    speech_band = slice(8, 96)  # 250 Hz - 3 kHz
    assert np.corrcoef(_log_spectrum(x)[speech_band], _log_spectrum(y)[speech_band])[0, 1] > 0.8


def test_vocoded_engines_are_named_apart_from_tts_engines():
    assert vocoders.is_vocoded(vocoders.ENGINE_PREFIX + "world") and not vocoders.is_vocoded("kokoro")
    assert "unknown vocoder" in vocoders.missing_reason("hifigan")


def test_griffin_lim_phase_start_is_seeded():
    x = _voice()
    a = vocoders.griffin_lim(x, RATE, random.Random(1))
    b = vocoders.griffin_lim(x, RATE, random.Random(2))
    assert not np.allclose(a[: x.size], b[: x.size])
