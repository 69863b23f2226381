"""Copy-synthesis spoofs: a human clip analysed and resynthesised by a vocoder ("vocoded human").

Why: human and TTS clips share no speaker, so a detector can learn *who* speaks instead of *how
the speech was made*. A vocoded copy keeps its human clip's speaker, words, prosody and channel
and changes only how the waveform is generated, so within such a pair the vocoder is the only
cue. The copies are synthetic training material of their own engine family (`vocoded-<name>`),
kept in their speaker's fold; the headline evaluation still holds out the real TTS engines.

Both vocoders run offline on the CPU:
- `world`: WORLD (pyworld, the `voice-corpus` extra): F0 by DIO + StoneMask, CheapTrick spectral
  envelope coded to a few dozen mel-cepstral coefficients (as WORLD-based parametric TTS stores
  it) and D4C aperiodicity, then WORLD synthesis.
- `griffinlim`: the magnitude spectrogram kept, the phase rebuilt by Griffin-Lim iterations from
  a seeded random start (numpy/scipy).

Measured (2026-12-08, `--vocoded-share 0.5`, 494 copies, Whisper + LDA, engine-held-out): the copies
made the TTS headline worse, so the shipped corpus has none. Kokoro telephone EER 20.8 % without
copies, 41.3 % with both vocoders, 46.7 % with WORLD only, 23.5 % with Griffin-Lim only; mean
telephone EER 9.6 → 20.6 / 23.4 / 15.2 %; each vocoder held out scored at chance (EER 48–50 %),
even with the other vocoder in training. The pooled encoder statistics do not carry a vocoder's
trace, and copies that sound like their speakers pull the linear boundary into the human class.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import random
from collections.abc import Callable
from functools import lru_cache
from types import ModuleType

import numpy as np
from scipy.signal import istft, stft

from detector.audio.decoding import resample

ENGINE_PREFIX = "vocoded-"
FRAME_PERIOD_MS = 5.0
WORLD_RATE = 16_000
ENVELOPE_DIMS = (24, 32, 40)
"""Mel-cepstral orders the WORLD envelope is coded to, one drawn per clip."""
GL_FFT, GL_HOP, GL_ITERATIONS = 256, 64, 32
"""32 ms frames, 75 % overlap at 8 kHz; 32 iterations leave the phase artefacts Griffin-Lim is known for."""


def is_vocoded(engine: str) -> bool:
    """Whether an engine name is a copy-synthesis family (training material, not a held-out headline engine)."""
    return engine.startswith(ENGINE_PREFIX)


@lru_cache(maxsize=1)
def _pyworld() -> ModuleType:
    """pyworld's compiled module. Its package __init__ (0.3.5, the latest) imports pkg_resources, which
    setuptools >= 81 no longer ships; the extension itself needs only numpy, so it is loaded directly then."""
    try:
        import pyworld
        return pyworld
    except ModuleNotFoundError as exc:
        if exc.name != "pkg_resources":
            raise
    spec = importlib.util.find_spec("pyworld")
    assert spec is not None and spec.submodule_search_locations
    from pathlib import Path

    (path,) = Path(next(iter(spec.submodule_search_locations))).glob("pyworld.*.so")
    loader = importlib.machinery.ExtensionFileLoader("pyworld.pyworld", str(path))
    module = importlib.util.module_from_spec(importlib.util.spec_from_file_location("pyworld.pyworld", path,
                                                                                    loader=loader))
    loader.exec_module(module)
    return module


def world(x: np.ndarray, rate: int, rng: random.Random) -> np.ndarray:
    """WORLD analysis, envelope coding and synthesis, run at WORLD_RATE (at 8 kHz D4C calls nearly every
    frame aperiodic and the copy comes out as whispered noise)."""
    pw = _pyworld()
    x64 = resample(x, rate, WORLD_RATE).astype(np.float64)
    f0, t = pw.dio(x64, WORLD_RATE, frame_period=FRAME_PERIOD_MS)
    f0 = pw.stonemask(x64, f0, t, WORLD_RATE)
    envelope = pw.cheaptrick(x64, f0, t, WORLD_RATE)
    aperiodicity = pw.d4c(x64, f0, t, WORLD_RATE)
    coded = pw.code_spectral_envelope(envelope, WORLD_RATE, rng.choice(ENVELOPE_DIMS))
    envelope = pw.decode_spectral_envelope(coded, WORLD_RATE, (envelope.shape[1] - 1) * 2)
    return resample(pw.synthesize(f0, envelope, aperiodicity, WORLD_RATE, FRAME_PERIOD_MS), WORLD_RATE, rate)


def griffin_lim(x: np.ndarray, rate: int, rng: random.Random) -> np.ndarray:
    """The clip's STFT magnitude with its phase rebuilt by Griffin-Lim from a seeded random phase."""
    kw = {"fs": rate, "nperseg": GL_FFT, "noverlap": GL_FFT - GL_HOP}
    _, _, spec = stft(x, **kw)
    magnitude = np.abs(spec)
    gen = np.random.default_rng(rng.getrandbits(64))
    phase = np.exp(2j * np.pi * gen.random(magnitude.shape))
    for _ in range(GL_ITERATIONS):
        _, y = istft(magnitude * phase, **kw)
        _, _, rebuilt = stft(y[: x.size], **kw)
        phase = np.exp(1j * np.angle(rebuilt[:, : magnitude.shape[1]]))
    _, y = istft(magnitude * phase, **kw)
    return y.astype(np.float32)


VOCODERS: dict[str, Callable[[np.ndarray, int, random.Random], np.ndarray]] = {
    "world": world, "griffinlim": griffin_lim,
}


def missing_reason(name: str) -> str | None:
    """Why a vocoder cannot run here, or None."""
    if name not in VOCODERS:
        return f"unknown vocoder {name!r} (known: {', '.join(VOCODERS)})"
    if name == "world" and importlib.util.find_spec("pyworld") is None:
        return "pyworld is not installed (pip install 'sincere[voice-corpus]')"
    return None


def vocode(name: str, x: np.ndarray, rate: int, seed: str) -> np.ndarray:
    """A vocoded copy of `x` (same length and rate); seeded, so a rebuild gives the same samples."""
    y = VOCODERS[name](x, rate, random.Random(f"{seed}:{name}"))
    return np.pad(y, (0, max(0, x.size - y.size)))[: x.size]
