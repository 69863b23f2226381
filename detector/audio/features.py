"""Features of a synthetic voice, computed on speech only (numpy/scipy, 8 kHz).

Guards against the known shortcuts: leading/trailing silence is trimmed and every statistic
is taken over *active* frames (within 35 dB of the loudest), so the length or level of
silence carries no signal; the frame energy coefficient c0 is dropped, so loudness does
not either; and long clips are scored as fixed-length windows, so duration does not.

Per window (4 s): LFCC (linear filterbank cepstra) with deltas, MFCC, spectral flatness,
high-band energy ratio, spectral flux, and pitch range / jitter / voicing strength from
an autocorrelation pitch track (TTS prosody is smoother and more regular than a person's).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy.fft import dct
from threadpoolctl import threadpool_limits

from detector.audio.decoding import SAMPLE_RATE

FRAME, HOP, NFFT = 200, 80, 256          # 25 ms frames, 10 ms hop at 8 kHz
PITCH_FRAME = 320                        # 40 ms: two periods of a 50 Hz voice
ACTIVE_DB = 35.0
WINDOW_SECONDS = 4.0
MIN_WINDOW_SECONDS = 0.5
MAX_WINDOWS = 8
"""A long clip is scored on at most this many windows, spread evenly (bounds the time per clip:
a 30 s voicemail is 8 windows, about 0.4–0.6 s of encoder time on 2 cores)."""
N_LFCC, N_MFCC = 20, 13
F0_MIN, F0_MAX = 60.0, 400.0


def _frames(x: np.ndarray, size: int = FRAME, hop: int = HOP) -> np.ndarray:
    """Overlapping frames of `size` samples every `hop`, one per row (a clip shorter than a frame is zero-padded)."""
    if x.size < size:
        x = np.pad(x, (0, size - x.size))
    count = 1 + (x.size - size) // hop
    idx = np.arange(size)[None, :] + hop * np.arange(count)[:, None]
    return x[idx]


def _frame_db(x: np.ndarray) -> np.ndarray:
    """Each frame's energy in dB, the measure silence is told from speech by."""
    return 10 * np.log10(np.mean(_frames(x) ** 2, axis=1) + 1e-10)


def trim_silence(x: np.ndarray) -> np.ndarray:
    """Cut leading and trailing frames quieter than ACTIVE_DB below the loudest frame."""
    db = _frame_db(x)
    active = np.flatnonzero(db > db.max() - ACTIVE_DB)
    return x[active[0] * HOP: active[-1] * HOP + FRAME]


def windows(x: np.ndarray, max_windows: int = MAX_WINDOWS) -> list[np.ndarray]:
    """Fixed-length windows of the trimmed clip; a short clip is one shorter window."""
    size = int(WINDOW_SECONDS * SAMPLE_RATE)
    if x.size < size:
        return [x]
    starts = np.arange(0, x.size - size + 1, size)
    tail = x.size - (starts[-1] + size)
    if tail >= MIN_WINDOW_SECONDS * SAMPLE_RATE:
        starts = np.append(starts, x.size - size)
    if starts.size > max_windows:
        starts = starts[np.linspace(0, starts.size - 1, max_windows).round().astype(int)]
    return [x[s:s + size] for s in starts]


@lru_cache(maxsize=4)
def _filterbank(kind: str, n_filters: int) -> np.ndarray:
    freqs = np.linspace(0, SAMPLE_RATE / 2, NFFT // 2 + 1)
    if kind == "mel":
        mel = lambda f: 2595 * np.log10(1 + f / 700)  # noqa: E731
        edges = 700 * (10 ** (np.linspace(mel(60.0), mel(3900.0), n_filters + 2) / 2595) - 1)
    else:
        edges = np.linspace(0.0, SAMPLE_RATE / 2, n_filters + 2)
    bank = np.zeros((n_filters, freqs.size))
    for i in range(n_filters):
        lo, mid, hi = edges[i:i + 3]
        bank[i] = np.clip(np.minimum((freqs - lo) / (mid - lo), (hi - freqs) / (hi - mid)), 0, None)
    return bank


def _cepstra(power: np.ndarray, kind: str, n_filters: int, n_coef: int) -> np.ndarray:
    energies = np.log(power @ _filterbank(kind, n_filters).T + 1e-10)
    return dct(energies, type=2, norm="ortho", axis=1)[:, 1:n_coef]  # c0 (level) dropped


def _delta(c: np.ndarray) -> np.ndarray:
    padded = np.pad(c, ((2, 2), (0, 0)), mode="edge")
    return (2 * (padded[4:] - padded[:-4]) + (padded[3:-1] - padded[1:-3])) / 10


def _stats(values: np.ndarray) -> np.ndarray:
    return np.concatenate([values.mean(axis=0), values.std(axis=0)])


def _pitch(x: np.ndarray) -> np.ndarray:
    """Range, spread, jitter and voicing of an autocorrelation pitch track."""
    f = _frames(x, PITCH_FRAME, HOP)
    f = (f - f.mean(axis=1, keepdims=True)) * np.hanning(PITCH_FRAME)
    spec = np.fft.rfft(f, 2 * PITCH_FRAME, axis=1)
    ac = np.fft.irfft(np.abs(spec) ** 2, axis=1)[:, :PITCH_FRAME]
    ac = ac / (ac[:, :1] + 1e-10)
    lo, hi = int(SAMPLE_RATE / F0_MAX), int(SAMPLE_RATE / F0_MIN)
    lag = lo + np.argmax(ac[:, lo:hi], axis=1)
    strength = ac[np.arange(len(lag)), lag]
    energy = 10 * np.log10(np.mean(f ** 2, axis=1) + 1e-10)
    voiced = (strength > 0.45) & (energy > energy.max() - 30)
    if voiced.sum() < 5:
        return np.array([0.0, 0.0, 0.0, 0.0, voiced.mean(), float(strength.mean())])
    log_f0 = np.log(SAMPLE_RATE / lag[voiced])
    steps = np.abs(np.diff(log_f0))
    steps = steps[steps < 0.2]  # octave jumps are tracking errors, not jitter
    jitter = float(np.median(steps)) if steps.size else 0.0
    rough = float(np.mean(steps)) if steps.size else 0.0
    return np.array([np.percentile(log_f0, 90) - np.percentile(log_f0, 10), log_f0.std(), jitter, rough,
                     voiced.mean(), float(strength[voiced].mean())])


def window_features(x: np.ndarray) -> np.ndarray:
    """One feature vector for one window of 8 kHz speech (peak-normalised: level is no feature)."""
    x = x / (np.abs(x).max() + 1e-9)
    frm = _frames(x) * np.hamming(FRAME)
    power = np.abs(np.fft.rfft(frm, NFFT, axis=1)) ** 2
    db = 10 * np.log10(power.mean(axis=1) + 1e-10)
    active = db > db.max() - ACTIVE_DB
    if active.sum() < 3:
        active[:] = True
    lfcc = _cepstra(power, "linear", N_LFCC + 4, N_LFCC)
    mfcc = _cepstra(power, "mel", 26, N_MFCC)
    band = power[:, 3:124]                       # ~100–3875 Hz
    flatness = np.exp(np.mean(np.log(band + 1e-10), axis=1)) / (band.mean(axis=1) + 1e-10)
    high = power[:, 96:].sum(axis=1) / (power.sum(axis=1) + 1e-10)  # above 3 kHz
    logspec = np.log(power + 1e-10)
    flux = np.r_[0.0, np.sqrt(np.mean(np.diff(logspec, axis=0) ** 2, axis=1))]
    a = active
    return np.concatenate([
        _stats(lfcc[a]), _delta(lfcc)[a].std(axis=0),
        _stats(mfcc[a]), _delta(mfcc)[a].std(axis=0),
        _stats(flatness[a, None]), np.percentile(flatness[a], [10, 50, 90]),
        _stats(np.log(high[a, None] + 1e-6)),
        _stats(flux[a, None]),
        [db[a].std(), np.abs(np.diff(db[a])).mean() if a.sum() > 1 else 0.0],
        _pitch(x),
    ]).astype(np.float32)


HAND_FEATURES = 110
"""Length of window_features' vector; an encoder's embedding follows it in clip_features."""


def clip_features(x: np.ndarray, max_windows: int = MAX_WINDOWS, encoder=None, hand: bool = True) -> np.ndarray:
    """A (windows × features) matrix for a decoded 8 kHz clip, silence trimmed first: the hand-made
    features of each window (unless `hand` is False), followed by `encoder.embed` of the same windows
    when an encoder is given (detector.audio.encoder.WhisperEncoder).

    BLAS is held to one thread: the matrices are tiny, and multi-threaded BLAS on a busy
    2-core machine spends 100x longer waking threads than multiplying.
    """
    cut = windows(trim_silence(x), max_windows)
    parts = []
    if hand:
        with threadpool_limits(limits=1, user_api="blas"):
            parts.append(np.stack([window_features(w) for w in cut]))
    if encoder is not None:
        parts.append(encoder.embed(cut))
    return np.hstack(parts)
