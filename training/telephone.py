"""Phone and messaging channels applied to corpus clips, so the channel never predicts the label.

Channels: 8 kHz PCM (the full band the detector hears, "wide"), G.711 mu-law and A-law, GSM
06.10 full rate and AMR-NB (narrow-band telephone codecs, with the 300–3400 Hz band), and
Opus and MP3 at low bit rates (VoIP and voicemail-to-email attachments). Each clean or noisy:
line noise (white/pink/brown) plus RawBoost-style convolutive channel distortion (a random
multi-band equaliser and a soft clipper). Levels are randomised. mu-law and A-law are done
in numpy; GSM and AMR-NB go through sox (`sox` + `libsox-fmt-all`); Opus and MP3 through
PyAV (FFmpeg inside its wheel). All randomness comes from a seed, and sox runs without
dither, so the same input gives the same bytes.
"""

from __future__ import annotations

import io
import random
import shutil
import subprocess
from dataclasses import dataclass

import numpy as np
from scipy.signal import butter, firwin2, lfilter, sosfilt

from detector.audio.decoding import SAMPLE_RATE, resample

CHANNELS = ("pcm8k", "ulaw", "alaw", "gsm", "amrnb", "opus", "mp3")
TELEPHONE_CHANNELS = ("ulaw", "alaw", "gsm", "amrnb")
"""Channels with the 300–3400 Hz telephone band and a narrow-band codec."""
COMPRESSED_CHANNELS = ("opus", "mp3")
"""Low-bit-rate perceptual codecs (VoIP, voicemail forwarded as an attachment)."""
NOISE = ("clean", "noisy")
SNR_DB = (5.0, 25.0)
LEVEL_DBFS = (-26.0, -6.0)
AMR_MODES = range(8)  # 4.75 … 12.2 kbit/s
OPUS_KBPS = (8, 12, 16)
MP3_KBPS = (16, 24)
_SOX = ("sox", "-D", "-V1")  # no dither: deterministic output


class ChannelError(RuntimeError):
    """sox or PyAV is missing or failed."""


@dataclass(frozen=True)
class Variant:
    """One channel a clip is passed through, clean or with line noise and channel distortion."""

    channel: str
    noise: str

    @property
    def id(self) -> str:
        """The variant's name in the index and its clips folder, e.g. gsm-noisy."""
        return f"{self.channel}-{self.noise}"


VARIANTS = tuple(Variant(c, n) for c in CHANNELS for n in NOISE)


def channel_group(channel: str) -> str:
    """'wide', 'telephone' or 'compressed': the rows of the evaluation tables."""
    if channel in TELEPHONE_CHANNELS:
        return "telephone"
    return "compressed" if channel in COMPRESSED_CHANNELS else "wide"


def missing_reason() -> str | None:
    """Why the channels cannot be rendered here (sox, its codecs, PyAV or its encoders missing), or None when
    they can."""
    if shutil.which("sox") is None:
        return "sox not on PATH (apt-get install sox libsox-fmt-all)"
    formats = subprocess.run(["sox", "-h"], capture_output=True, text=True, timeout=30).stdout
    for fmt in ("gsm", "amr-nb"):
        if f" {fmt} " not in formats.replace("\n", " "):
            return f"this sox cannot write {fmt} (apt-get install libsox-fmt-all)"
    try:
        import av
    except ImportError:
        return "PyAV not installed (pip install -e '.[audio]')"
    for codec in ("libopus", "libmp3lame"):
        if codec not in av.codecs_available:
            return f"this PyAV has no {codec} encoder"
    return None


def _band_pass(x: np.ndarray) -> np.ndarray:
    return sosfilt(butter(4, [300, 3400], btype="bandpass", fs=SAMPLE_RATE, output="sos"), x).astype(np.float32)


def _noise(n: int, rng: np.random.Generator) -> np.ndarray:
    """White, pink or brown line noise."""
    white = rng.standard_normal(n)
    colour = rng.choice(["white", "pink", "brown"])
    if colour == "white":
        return white
    spectrum = np.fft.rfft(white)
    f = np.maximum(np.fft.rfftfreq(n), 1.0 / n)
    shaped = np.fft.irfft(spectrum / (np.sqrt(f) if colour == "pink" else f), n)
    return shaped / (shaped.std() + 1e-12)


def _rawboost(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """RawBoost-style convolutive and non-linear distortion (Tak et al., 2022, simplified): a
    random 8-band equaliser (±8 dB) as a linear-phase FIR, then a soft clipper of random drive."""
    points = np.linspace(0.0, 1.0, 10)
    gains = 10 ** (rng.uniform(-8.0, 8.0, points.size) / 20)
    taps = firwin2(65, points, gains)
    y = lfilter(taps, [1.0], x)
    drive = rng.uniform(1.0, 4.0)
    y = np.tanh(drive * y / (np.abs(y).max() + 1e-9)) / np.tanh(drive)
    return y.astype(np.float32)


def _mulaw(x: np.ndarray) -> np.ndarray:
    """G.711 mu-law: 8-bit companded quantisation and back."""
    mu = 255.0
    encoded = np.sign(x) * np.log1p(mu * np.abs(x)) / np.log1p(mu)
    quantised = np.round((encoded + 1) / 2 * mu) / mu * 2 - 1
    return (np.sign(quantised) * np.expm1(np.abs(quantised) * np.log1p(mu)) / mu).astype(np.float32)


def _alaw(x: np.ndarray) -> np.ndarray:
    """G.711 A-law (A = 87.6): 8-bit companded quantisation and back."""
    a = 87.6
    mag = np.abs(np.clip(x, -1, 1))
    small = mag < 1 / a
    encoded = np.where(small, a * mag / (1 + np.log(a)), (1 + np.log(np.maximum(a * mag, 1e-12))) / (1 + np.log(a)))
    quantised = np.round(encoded * 127) / 127
    decoded = np.where(quantised < 1 / (1 + np.log(a)), quantised * (1 + np.log(a)) / a,
                       np.exp(quantised * (1 + np.log(a)) - 1) / a)
    return (np.sign(x) * decoded).astype(np.float32)


def _fit_length(out: np.ndarray, n: int) -> np.ndarray:
    return out[:n] if out.size >= n else np.pad(out, (0, n - out.size))


def _sox_codec(x: np.ndarray, fmt: str, extra: tuple[str, ...] = ()) -> np.ndarray:
    pcm = (np.clip(x, -1, 1) * 32767).astype("<i2").tobytes()
    raw = ("-t", "raw", "-r", str(SAMPLE_RATE), "-e", "signed", "-b", "16", "-c", "1")
    try:
        coded = subprocess.run([*_SOX, *raw, "-", *extra, "-t", fmt, "-"], input=pcm, capture_output=True,
                               timeout=60, check=True).stdout
        decoded = subprocess.run([*_SOX, "-t", fmt, "-", *raw, "-"], input=coded, capture_output=True,
                                 timeout=60, check=True).stdout
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, FileNotFoundError) as exc:
        raise ChannelError(f"sox {fmt} failed: {getattr(exc, 'stderr', b'')!r}") from None
    return _fit_length(np.frombuffer(decoded, dtype="<i2").astype(np.float32) / 32768, x.size)


def _av_codec(x: np.ndarray, container: str, codec: str, kbps: int) -> np.ndarray:
    """A round trip through an FFmpeg encoder and decoder in memory (Opus, MP3), back at 8 kHz."""
    import av

    pcm = (np.clip(x, -1, 1) * 32767).astype(np.int16)
    buffer = io.BytesIO()
    try:
        with av.open(buffer, mode="w", format=container) as out:
            stream = out.add_stream(codec, rate=SAMPLE_RATE, layout="mono")
            stream.bit_rate = kbps * 1000
            frame = av.AudioFrame.from_ndarray(pcm[None, :], format="s16", layout="mono")
            frame.sample_rate = SAMPLE_RATE
            for packet in (*stream.encode(frame), *stream.encode(None)):
                out.mux(packet)
        buffer.seek(0)
        chunks = []
        with av.open(buffer, mode="r") as coded:
            resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
            for decoded in coded.decode(audio=0):
                chunks += [f.to_ndarray().reshape(-1) for f in resampler.resample(decoded)]
            chunks += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]
    except Exception as exc:  # noqa: BLE001 - av.error.* for a codec failure
        raise ChannelError(f"{codec} round trip failed ({type(exc).__name__}: {exc})") from None
    out = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
    return _fit_length(out.astype(np.float32), x.size)


def apply(samples: np.ndarray, rate: int, variant: Variant, seed: str) -> tuple[np.ndarray, dict[str, float]]:
    """One channel variant of a clip at 8 kHz, and the random settings it drew."""
    rng = random.Random(f"{seed}:{variant.id}")
    gen = np.random.default_rng(rng.getrandbits(64))
    x = resample(samples, rate)
    x = x / (np.abs(x).max() + 1e-9)
    settings: dict[str, float] = {"level_dbfs": round(rng.uniform(*LEVEL_DBFS), 1)}
    if variant.noise == "noisy":
        snr = rng.uniform(*SNR_DB)
        settings["snr_db"] = round(snr, 1)
        x = _rawboost(x, gen)
        power = float(np.mean(x ** 2))
        x = x + _noise(x.size, gen).astype(np.float32) * np.sqrt(power / 10 ** (snr / 10))
    x = x / (np.abs(x).max() + 1e-9) * 10 ** (settings["level_dbfs"] / 20)
    if variant.channel in TELEPHONE_CHANNELS:
        x = _band_pass(x)
    if variant.channel == "ulaw":
        x = _mulaw(x)
    elif variant.channel == "alaw":
        x = _alaw(x)
    elif variant.channel == "gsm":
        x = _sox_codec(x, "gsm")
    elif variant.channel == "amrnb":
        mode = rng.choice(list(AMR_MODES))
        settings["amr_mode"] = mode
        x = _sox_codec(x, "amr-nb", ("-C", str(mode)))
    elif variant.channel == "opus":
        settings["kbps"] = rng.choice(OPUS_KBPS)
        x = _av_codec(x, "ogg", "libopus", settings["kbps"])
    elif variant.channel == "mp3":
        settings["kbps"] = rng.choice(MP3_KBPS)
        x = _av_codec(x, "mp3", "libmp3lame", settings["kbps"])
    return x.astype(np.float32), settings
