"""Audio in: any file or array → mono float32 at the rate a model needs, with hard limits.

The voice model and the campaign fingerprint work at 8 kHz, the rate a phone call reaches the
voicemail box, so a wide-band recording and a telephone recording of the same voice look alike;
speech recognition asks for 16 kHz (`rate=ASR_RATE`). WAV, FLAC, OGG (Vorbis, Opus) and MP3 are
read by libsndfile; M4A/AAC, AMR, 3GP and anything else by PyAV (`sincere[audio]`, FFmpeg inside
its wheel). Size is checked before reading and duration before decoding (from the header, or
while decoding a stream), so a 2-hour or 2-GB upload is refused quickly instead of filling memory.
"""

from __future__ import annotations

from itertools import chain
from math import gcd
from pathlib import Path

import numpy as np

SAMPLE_RATE = 8000
ASR_RATE = 16000
"""What Whisper-family speech recognisers are trained on."""
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


def load_audio(source: str | Path | np.ndarray, sample_rate: int | None = None, rate: int = SAMPLE_RATE,
               max_seconds: float = MAX_SECONDS) -> np.ndarray:
    """Mono float32 samples at `rate` (default SAMPLE_RATE), or AudioError saying why not.

    `max_seconds` (at most MAX_SECONDS) lowers the duration limit, e.g. to an API's setting.
    """
    max_seconds = min(float(max_seconds), MAX_SECONDS)
    if isinstance(source, np.ndarray):
        if sample_rate is None:
            raise AudioError("an array needs its sample_rate")
        samples, native = _checked_array(source, sample_rate, max_seconds), int(sample_rate)
    else:
        samples, native = _read_file(Path(source), rate, max_seconds)
    samples = resample(samples, native, rate)
    if samples.size < MIN_SECONDS * rate:
        raise AudioError(f"too short: {samples.size / rate:.2f} s (at least {MIN_SECONDS} s needed)")
    samples = samples - samples.mean()
    if not np.isfinite(samples).all():
        raise AudioError("the audio contains NaN or infinite samples")
    if np.abs(samples).max() < SILENCE_PEAK:
        raise AudioError("the audio is silent (peak below -60 dBFS)")
    return samples.astype(np.float32)


def duration_seconds(path: str | Path) -> float | None:
    """The length a file's header declares (or its container estimates), without decoding it;
    None when it declares none or is unreadable (decoding then enforces the limit)."""
    path = Path(path)
    try:
        import soundfile as sf

        info = sf.info(str(path))
        return info.frames / info.samplerate if info.samplerate > 0 else None
    except Exception:  # not for libsndfile: ask the container
        pass
    try:
        import av

        with av.open(str(path), mode="r", timeout=10.0) as container:
            streams = container.streams.audio
            if not streams:
                return None
            if streams[0].duration and streams[0].time_base:
                return float(streams[0].duration * streams[0].time_base)
            return container.duration / 1_000_000 if container.duration else None
    except Exception:  # noqa: BLE001 - unreadable here means "unknown", decoding reports why
        return None


def resample(samples: np.ndarray, rate: int, target: int = SAMPLE_RATE) -> np.ndarray:
    """`samples` at `rate` as float32 at `target` Hz (polyphase filtering, so no aliasing when going down)."""
    from scipy.signal import resample_poly

    if rate == target:
        return samples.astype(np.float32, copy=False)
    divisor = gcd(int(rate), target)
    return resample_poly(samples, target // divisor, int(rate) // divisor).astype(np.float32)


def _checked_array(samples: np.ndarray, rate: int, max_seconds: float) -> np.ndarray:
    if not 1000 <= int(rate) <= 384_000:
        raise AudioError(f"sample_rate {rate} is not a plausible audio rate")
    if samples.ndim == 2:
        samples = samples.mean(axis=1 if samples.shape[0] > samples.shape[1] else 0)
    if samples.ndim != 1 or not np.issubdtype(samples.dtype, np.number):
        raise AudioError(f"expected a 1-D (mono) or 2-D (channels) numeric array, got shape {samples.shape}")
    if samples.size > max_seconds * rate:
        raise AudioError(f"too long: {samples.size / rate:.0f} s (limit {max_seconds:.0f} s)")
    if np.issubdtype(samples.dtype, np.integer):
        samples = samples / float(np.iinfo(samples.dtype).max)
    return samples.astype(np.float32)


def _read_file(path: Path, rate: int, max_seconds: float) -> tuple[np.ndarray, int]:
    if not path.is_file():
        raise AudioError(f"{path.name}: no such file")
    size = path.stat().st_size
    if size == 0:
        raise AudioError(f"{path.name}: empty file")
    if size > MAX_BYTES:
        raise AudioError(f"{path.name}: {size / 2**20:.0f} MiB is over the {MAX_BYTES / 2**20:.0f} MiB limit")
    try:
        return _read_soundfile(path, max_seconds)
    except _NotForSoundfile:
        return _read_pyav(path, rate, max_seconds)


class _NotForSoundfile(Exception):
    pass


def _read_soundfile(path: Path, max_seconds: float) -> tuple[np.ndarray, int]:
    import soundfile as sf

    try:
        info = sf.info(str(path))
    except Exception:  # libsndfile cannot parse the header: maybe a compressed container
        raise _NotForSoundfile from None
    if info.frames <= 0 or info.samplerate <= 0:
        raise AudioError(f"{path.name}: no audio frames in the file")
    if info.frames > max_seconds * info.samplerate:
        raise AudioError(f"{path.name}: too long: {info.frames / info.samplerate:.0f} s (limit {max_seconds:.0f} s)")
    try:
        samples, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except Exception as exc:
        raise AudioError(f"{path.name}: corrupt audio ({type(exc).__name__})") from None
    if samples.shape[0] == 0:
        raise AudioError(f"{path.name}: no audio frames in the file")
    return samples.mean(axis=1), int(rate)


def _read_pyav(path: Path, rate: int, max_seconds: float) -> tuple[np.ndarray, int]:
    """Compressed formats libsndfile lacks (AMR, AAC/M4A, 3GP, ...), decoded in a bounded stream."""
    try:
        import av
    except ImportError:
        raise AudioError(f"{path.name}: not a readable audio file (install PyAV for compressed formats)") from None
    limit = int(max_seconds * rate)
    chunks: list[np.ndarray] = []
    total = 0
    try:
        with av.open(str(path), mode="r", timeout=10.0) as container:
            if not container.streams.audio:
                raise AudioError(f"{path.name}: not an audio file (no audio stream)")
            stream = container.streams.audio[0]
            if stream.duration and stream.time_base and float(stream.duration * stream.time_base) > max_seconds:
                raise AudioError(f"{path.name}: too long: {float(stream.duration * stream.time_base):.0f} s "
                                 f"(limit {max_seconds:.0f} s)")
            resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
            for frame in chain(container.decode(stream), [None]):  # None flushes the resampler
                for out in resampler.resample(frame):
                    chunk = out.to_ndarray().reshape(-1)
                    chunks.append(chunk)
                    total += chunk.size
                if total > limit:
                    raise AudioError(f"{path.name}: too long (limit {max_seconds:.0f} s)")
    except AudioError:
        raise
    except Exception as exc:  # av.error.* for non-audio or damaged input
        raise AudioError(f"{path.name}: not a readable audio file ({type(exc).__name__})") from None
    if total == 0:
        raise AudioError(f"{path.name}: no audio frames in the file")
    return np.concatenate(chunks).astype(np.float32), rate
