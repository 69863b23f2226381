"""The audio corpus builder on a tiny fake corpus with one espeak-ng voice: every channel, deterministic.

Needs espeak-ng and sox (+ libsox-fmt-all for GSM/AMR-NB); skips with the reason when they are absent.
CI installs them (see the README's audio section).
"""

import csv
import hashlib
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from training import audio_corpus, telephone, tts

REPO = Path(__file__).parents[2]
ESPEAK = tts.Voice("espeak-ng", "en-us", "en-us")


def _require_tools():
    if reason := tts.missing_reason(ESPEAK):
        pytest.skip(f"TTS engine absent: {reason}")
    if reason := telephone.missing_reason():
        pytest.skip(f"telephone channels unavailable: {reason}")


def _fake_corpora(root: Path) -> Path:
    """Two 'speakers' saying ten 'digits' (harmonic tones) and two 'LJ' clips: the shapes the builder reads."""
    rate = 8000
    fsdd = root / "audio" / "fsdd"
    lj = root / "audio" / "ljspeech_samples"
    fsdd.mkdir(parents=True)
    lj.mkdir(parents=True)
    rows = []
    for speaker, f0 in (("ann", 210.0), ("bob", 110.0)):
        for digit in range(10):
            t = np.arange(int(0.4 * rate)) / rate
            tone = sum(np.sin(2 * np.pi * f0 * k * (1 + 0.02 * digit) * t) / k for k in range(1, 6))
            name = f"{digit}_{speaker}_0.wav"
            sf.write(fsdd / name, (0.2 * tone * np.hanning(t.size)).astype(np.float32), rate, subtype="PCM_16")
            rows.append({"file": name, "speaker": speaker, "digit": digit, "index": 0, "sample_rate": rate,
                         "seconds": 0.4})
    with (fsdd / "metadata.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with (lj / "metadata.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["file", "transcript", "sample_rate", "seconds"])
        writer.writeheader()
        for i, text in enumerate(("in being comparatively modern.", "has never been surpassed.")):
            name = f"LJ00{i}.wav"
            t = np.arange(2 * 22050) / 22050
            sf.write(lj / name, (0.2 * np.sin(2 * np.pi * 180 * t)).astype(np.float32), 22050, subtype="PCM_16")
            writer.writerow({"file": name, "transcript": text, "sample_rate": 22050, "seconds": 2.0})
    return root


@pytest.fixture
def small_build(monkeypatch):
    monkeypatch.setattr(tts, "VOICES", (ESPEAK,))
    monkeypatch.setattr(audio_corpus, "ASTERISK_SOUNDS", Path("/nonexistent"))
    monkeypatch.setattr(audio_corpus, "SCRIPTS_PER_VOICE", 2)
    monkeypatch.setattr(audio_corpus, "DIGIT_STRINGS", 2)
    monkeypatch.setattr(audio_corpus, "DIGIT_STRINGS_PER_VOICE", 1)
    monkeypatch.setattr(audio_corpus, "LJ_PER_VOICE", 1)
    monkeypatch.setattr(audio_corpus, "MAX_CLIP_SECONDS", 3.0)


def _digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.name != "report.json":
            digest.update(path.relative_to(folder).as_posix().encode() + path.read_bytes())
    return digest.hexdigest()


def test_builds_every_channel_variant_deterministically(tmp_path, small_build):
    _require_tools()
    corpora = _fake_corpora(tmp_path / "corpora")
    first = audio_corpus.build_audio_corpus(corpora, REPO / "data" / "templates", tmp_path / "a", seed=3, jobs=1,
                                            log=lambda _: None)
    with first.path.open() as fh:
        rows = list(csv.DictReader(fh))
    clips = {r["clip_id"] for r in rows}
    # 2 speakers x 2 digit strings + 2 LJ clips (human); 2 scripts + 1 digit string + 1 LJ text (espeak)
    assert len(clips) == 10 and len(rows) == 10 * len(telephone.VARIANTS)
    assert {r["variant"] for r in rows} == {v.id for v in telephone.VARIANTS}
    assert {r["label"] for r in rows} == {"human", "synthetic"}
    synthetic_content = {r["content"] for r in rows if r["label"] == "synthetic"}
    assert synthetic_content == {"script", "digits", "lj"}
    for row in rows:
        info = sf.info(tmp_path / "a" / row["path"])
        assert info.samplerate == 8000 and 0 < info.duration <= 3.0
    assert first.summary["voices"] == [ESPEAK.id]
    second = audio_corpus.build_audio_corpus(corpora, REPO / "data" / "templates", tmp_path / "b", seed=3, jobs=1,
                                             log=lambda _: None)
    assert second.rows == first.rows
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")


def test_digit_strings_are_read_as_grouped_phone_numbers():
    numbers = audio_corpus.digit_strings(3, "x")
    assert numbers == audio_corpus.digit_strings(3, "x") and all(len(n) == 10 for n in numbers)
    assert audio_corpus.digits_text((4, 1, 5, 5, 5, 5, 0, 1, 4, 2)) == \
        "four one five, five five five, zero one four two."


def test_missing_corpora_is_a_clear_error(tmp_path):
    with pytest.raises(audio_corpus.AudioCorpusError, match="fsdd"):
        audio_corpus.build_audio_corpus(tmp_path, REPO / "data" / "templates", tmp_path / "out", log=lambda _: None)
