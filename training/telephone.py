"""Telephone channels applied to every corpus clip, so the channel never predicts the label.

Each clip goes through every channel (8 kHz PCM, G.711 mu-law, GSM full rate, AMR-NB) both
clean and with added line noise. Levels are randomised too. mu-law is done in numpy; GSM and
AMR-NB go through sox (`sox` + `libsox-fmt-all`). All randomness comes from a seed, and sox
runs without dither, so the same input gives the same bytes.
"""

from __future__ import annotations

import random
import shutil
import subprocess
from dataclasses import dataclass

import numpy as np
from scipy.signal import butter, sosfilt

from detector.audio.decoding import SAMPLE_RATE, resample

CHANNELS = ("pcm8k", "ulaw", "gsm", "amrnb")
TELEPHONE_CHANNELS = ("ulaw", "gsm", "amrnb")
"""Channels with the 300–3400 Hz telephone band and a narrow-band codec."""
NOISE = ("clean", "noisy")
SNR_DB = (5.0, 25.0)
LEVEL_DBFS = (-26.0, -6.0)
AMR_MODES = range(8)  # 4.75 … 12.2 kbit/s
_SOX = ("sox", "-D", "-V1")  # no dither: deterministic output


class ChannelError(RuntimeError):
    """sox is missing or failed."""


@dataclass(frozen=True)
class Variant:
    channel: str
    noise: str

    @property
    def id(self) -> str:
        return f"{self.channel}-{self.noise}"


VARIANTS = tuple(Variant(c, n) for c in CHANNELS for n in NOISE)


def missing_reason() -> str | None:
    if shutil.which("sox") is None:
        return "sox not on PATH (apt-get install sox libsox-fmt-all)"
    formats = subprocess.run(["sox", "-h"], capture_output=True, text=True, timeout=30).stdout
    for fmt in ("gsm", "amr-nb"):
        if f" {fmt} " not in formats.replace("\n", " "):
            return f"this sox cannot write {fmt} (apt-get install libsox-fmt-all)"
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


def _mulaw(x: np.ndarray) -> np.ndarray:
    """G.711 mu-law: 8-bit companded quantisation and back."""
    mu = 255.0
    encoded = np.sign(x) * np.log1p(mu * np.abs(x)) / np.log1p(mu)
    quantised = np.round((encoded + 1) / 2 * mu) / mu * 2 - 1
    return (np.sign(quantised) * np.expm1(np.abs(quantised) * np.log1p(mu)) / mu).astype(np.float32)


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
    out = np.frombuffer(decoded, dtype="<i2").astype(np.float32) / 32768
    return out[: x.size] if out.size >= x.size else np.pad(out, (0, x.size - out.size))


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
        power = float(np.mean(x ** 2))
        x = x + _noise(x.size, gen).astype(np.float32) * np.sqrt(power / 10 ** (snr / 10))
    x = x / (np.abs(x).max() + 1e-9) * 10 ** (settings["level_dbfs"] / 20)
    if variant.channel in TELEPHONE_CHANNELS:
        x = _band_pass(x)
    if variant.channel == "ulaw":
        x = _mulaw(x)
    elif variant.channel == "gsm":
        x = _sox_codec(x, "gsm")
    elif variant.channel == "amrnb":
        mode = rng.choice(list(AMR_MODES))
        settings["amr_mode"] = mode
        x = _sox_codec(x, "amr-nb", ("-C", str(mode)))
    return x.astype(np.float32), settings
