"""Voicemail drops rendered for tests: one TTS voice reading a script, through a telephone channel.

Uses the corpus builder's own engines and channels (training.tts, training.telephone); only tests
import training. Needs flite (Debian `flite`); the campaign tests also need fpcalc
(`libchromaprint-tools`); each skips, saying which package, when its tool is absent.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import soundfile as sf
import yaml

from detector.audio.decoding import SAMPLE_RATE

REPO = Path(__file__).resolve().parents[2]
VOICE_ID = "flite-kal"
SCRIPT_ID = "voicemail_drop_script-001"
OTHER_SCRIPT_ID = "voicemail_drop_script-002"
FILLS = {"sender_first_name": "Sam", "sender_name": "Sam Porter", "sender_company": "Acme Payments",
         "industry": "retail", "city": "Denver", "company": "Globex", "day": "Thursday"}
KNOWN_SENTENCE = "Hello, this is a message about your order. Please call me back this afternoon when you have a moment."


def require_tools(*tools: str) -> None:
    """Skip, naming the Debian package, when a tool is not installed."""
    packages = {"flite": "flite", "fpcalc": "libchromaprint-tools", "sox": "sox libsox-fmt-all"}
    for tool in tools:
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} not installed (apt-get install {packages[tool]})")
    pytest.importorskip("faster_whisper", reason="faster-whisper not installed (pip install -e '.[voice]')")


def script(template_id: str, first_name: str) -> str:
    """A template of data/templates/voicemail_drop_script.yaml filled for one reader (first spintax option)."""
    import re

    data = yaml.safe_load((REPO / "data/templates/voicemail_drop_script.yaml").read_text(encoding="utf-8"))
    body = next(t["body"] for t in data["templates"] if t["id"] == template_id)
    body = re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: first_name if m.group(1) == "first_name" else FILLS[m.group(1)], body)
    return re.sub(r"\{([^{}|]*)\|[^{}]*\}", r"\1", body).strip()


def render(text: str, path: Path, seed: str, channel: str = "ulaw") -> Path:
    """`text` read by the test voice, through a clean telephone channel, saved as 8 kHz mu-law WAV."""
    from training import telephone, tts

    voice = next(v for v in tts.VOICES if v.id == VOICE_ID)
    samples, rate = tts.synthesize(voice, text)
    phone, _ = telephone.apply(samples, rate, telephone.Variant(channel, "clean"), seed)
    sf.write(path, phone, SAMPLE_RATE, subtype="ULAW")
    return path
