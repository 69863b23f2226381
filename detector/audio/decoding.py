"""Audio in: any file or array → mono float32 at the telephone rate, with hard limits.

Everything is analysed at 8 kHz, the rate a phone call reaches the voicemail box, so a
wide-band recording and a telephone recording of the same voice look alike to the model.
Size is checked before reading and duration before decoding (from the header, or while
decoding a stream), so a 2-hour or 2-GB upload is refused quickly instead of filling memory.
"""

from __future__ import annotations

from math import gcd
from pathlib import Path

import numpy as np

SAMPLE_RATE = 8000
MAX_BYTES = 64 * 1024 * 1024
"""Largest file read: 64 MiB (an hour of 16-bit 8 kHz WAV is 55 MiB; voicemails are minutes)."""
MAX_SECONDS = 600.0
"""Longest audio scored: 10 minutes."""
MIN_SECONDS = 0.3
"""Shortest audio scored (before silence is trimmed)."""
SILENCE_PEAK = 1e-3
"""Audio whose loudest sample stays below this (-60 dBFS) is treated as silent."""


class AudioError(ValueError):
    """The input is not audio we can score: empty, corrupt, silent, too long or too large."""


def load_audio(source: str | Path | np.ndarray, sample_rate: int | None = None) -> np.ndarray:
    """Mono float32 samples at SAMPLE_RATE, or AudioError saying why not."""
    if isinstance(source, np.ndarray):
        if sample_rate is None:
            raise AudioError("an array needs its sample_rate")
        samples, rate = _checked_array(source, sample_rate), int(sample_rate)
    else:
        samples, rate = _read_file(Path(source))
    samples = resample(samples, rate)
    if samples.size < MIN_SECONDS * SAMPLE_RATE:
        raise AudioError(f"too short: {samples.size / SAMPLE_RATE:.2f} s (at least {MIN_SECONDS} s needed)")
    samples = samples - samples.mean()
    if not np.isfinite(samples).all():
        raise AudioError("the audio contains NaN or infinite samples")
    if np.abs(samples).max() < SILENCE_PEAK:
        raise AudioError("the audio is silent (peak below -60 dBFS)")
    return samples.astype(np.float32)


def resample(samples: np.ndarray, rate: int, target: int = SAMPLE_RATE) -> np.ndarray:
    from scipy.signal import resample_poly

    if rate == target:
        return samples.astype(np.float32, copy=False)
    divisor = gcd(int(rate), target)
    return resample_poly(samples, target // divisor, int(rate) // divisor).astype(np.float32)


def _checked_array(samples: np.ndarray, rate: int) -> np.ndarray:
    if not 1000 <= int(rate) <= 384_000:
        raise AudioError(f"sample_rate {rate} is not a plausible audio rate")
    if samples.ndim == 2:
        samples = samples.mean(axis=1 if samples.shape[0] > samples.shape[1] else 0)
    if samples.ndim != 1 or not np.issubdtype(samples.dtype, np.number):
        raise AudioError(f"expected a 1-D (mono) or 2-D (channels) numeric array, got shape {samples.shape}")
    if samples.size > MAX_SECONDS * rate:
        raise AudioError(f"too long: {samples.size / rate:.0f} s (limit {MAX_SECONDS:.0f} s)")
    if np.issubdtype(samples.dtype, np.integer):
        samples = samples / float(np.iinfo(samples.dtype).max)
    return samples.astype(np.float32)


def _read_file(path: Path) -> tuple[np.ndarray, int]:
    if not path.is_file():
        raise AudioError(f"{path.name}: no such file")
    size = path.stat().st_size
    if size == 0:
        raise AudioError(f"{path.name}: empty file")
    if size > MAX_BYTES:
        raise AudioError(f"{path.name}: {size / 2**20:.0f} MiB is over the {MAX_BYTES / 2**20:.0f} MiB limit")
    try:
        return _read_soundfile(path)
    except _NotForSoundfile:
        return _read_pyav(path)


class _NotForSoundfile(Exception):
    pass


def _read_soundfile(path: Path) -> tuple[np.ndarray, int]:
    import soundfile as sf

    try:
        info = sf.info(str(path))
    except Exception:  # libsndfile cannot parse the header: maybe a compressed container
        raise _NotForSoundfile from None
    if info.frames <= 0 or info.samplerate <= 0:
        raise AudioError(f"{path.name}: no audio frames in the file")
    if info.frames > MAX_SECONDS * info.samplerate:
        raise AudioError(f"{path.name}: too long: {info.frames / info.samplerate:.0f} s (limit {MAX_SECONDS:.0f} s)")
    try:
        samples, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except Exception as exc:
        raise AudioError(f"{path.name}: corrupt audio ({type(exc).__name__})") from None
    if samples.shape[0] == 0:
        raise AudioError(f"{path.name}: no audio frames in the file")
    return samples.mean(axis=1), int(rate)


def _read_pyav(path: Path) -> tuple[np.ndarray, int]:
    """Compressed formats libsndfile lacks (AMR, AAC/M4A, ...), decoded in a bounded stream."""
    try:
        import av
    except ImportError:
        raise AudioError(f"{path.name}: not a readable audio file (install PyAV for compressed formats)") from None
    limit = int(MAX_SECONDS * SAMPLE_RATE)
    chunks: list[np.ndarray] = []
    total = 0
    try:
        with av.open(str(path), mode="r", timeout=10.0) as container:
            if not container.streams.audio:
                raise AudioError(f"{path.name}: not an audio file (no audio stream)")
            stream = container.streams.audio[0]
            if stream.duration and stream.time_base and float(stream.duration * stream.time_base) > MAX_SECONDS:
                raise AudioError(f"{path.name}: too long: {float(stream.duration * stream.time_base):.0f} s "
                                 f"(limit {MAX_SECONDS:.0f} s)")
            resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    chunk = out.to_ndarray().reshape(-1)
                    chunks.append(chunk)
                    total += chunk.size
                if total > limit:
                    raise AudioError(f"{path.name}: too long (limit {MAX_SECONDS:.0f} s)")
    except AudioError:
        raise
    except Exception as exc:  # av.error.* for non-audio or damaged input
        raise AudioError(f"{path.name}: not a readable audio file ({type(exc).__name__})") from None
    if total == 0:
        raise AudioError(f"{path.name}: no audio frames in the file")
    return np.concatenate(chunks).astype(np.float32), SAMPLE_RATE
