"""Features ignore what must not matter: silence around the speech, loudness; windows are fixed."""

from pathlib import Path

import numpy as np

from detector.audio import SAMPLE_RATE, load_audio
from detector.audio.features import MAX_WINDOWS, WINDOW_SECONDS, clip_features, trim_silence, windows

DATA = Path(__file__).parent / "data"


def _speech() -> np.ndarray:
    return load_audio(DATA / "synthetic-piper-joe.flac")


def test_trimming_removes_leading_and_trailing_silence():
    x = _speech()
    padded = np.concatenate([np.zeros(SAMPLE_RATE), x, np.zeros(SAMPLE_RATE)]).astype(np.float32)
    assert abs(trim_silence(padded).size - trim_silence(x).size) <= 2 * 80


def test_features_do_not_see_leading_silence_or_level():
    x = _speech()
    base = clip_features(x)
    quiet_and_padded = clip_features(np.concatenate([np.zeros(SAMPLE_RATE // 2, np.float32), 0.1 * x]))
    assert base.shape == quiet_and_padded.shape
    np.testing.assert_allclose(quiet_and_padded, base, rtol=1e-3, atol=1e-3)


def test_windows_have_a_fixed_length_and_a_cap():
    size = int(WINDOW_SECONDS * SAMPLE_RATE)
    long_clip = np.random.default_rng(0).standard_normal(SAMPLE_RATE * 100).astype(np.float32)
    cut = windows(long_clip)
    assert len(cut) == MAX_WINDOWS and {w.size for w in cut} == {size}
    assert [w.size for w in windows(long_clip[: SAMPLE_RATE])] == [SAMPLE_RATE]


def test_feature_vectors_are_finite_for_noise_and_tones():
    t = np.arange(SAMPLE_RATE * 3) / SAMPLE_RATE
    for x in (np.sin(2 * np.pi * 150 * t), np.random.default_rng(1).standard_normal(t.size)):
        assert np.isfinite(clip_features(x.astype(np.float32))).all()
