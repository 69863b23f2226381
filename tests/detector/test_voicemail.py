"""Voicemail drops end to end: one script for five people in one synthetic voice is one campaign,
by its words (with the first name varying) and by its sound; another script in the same voice is not."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from detector.engine import Detector
from detector.reasons import SYNTHETIC_VOICE, VOICE_CAMPAIGN_COPY
from detector.voicemail import Heard, Voicemail
from tests.detector.voice_drops import KNOWN_SENTENCE, OTHER_SCRIPT_ID, SCRIPT_ID, render, require_tools, script

NAMES = ("Dana", "Kevin", "Sarah", "Mark", "Laura")
VOICE_THRESHOLD = json.loads((Path(__file__).parents[2] / "detector/bundles/voice/calibration.json").read_text())["threshold"]


def _record(rid: str, path, first_name: str, **extra) -> dict:
    return {"id": rid, "channel": "voicemail", "audio_path": str(path),
            "recipient": {"name": f"{first_name} Whitfield", "first_name": first_name}, **extra}


@pytest.fixture(scope="module")
def drops(tmp_path_factory):
    require_tools("flite", "fpcalc")
    folder = tmp_path_factory.mktemp("drops")
    records = [_record(f"drop-{name}", render(script(SCRIPT_ID, name), folder / f"{name}.wav", f"drop{i}"), name)
               for i, name in enumerate(NAMES)]
    other = _record("other-script", render(script(OTHER_SCRIPT_ID, "Dana"), folder / "other.wav", "other"), "Dana")
    results = list(Detector.open().score_many([*records, other]))
    return records, results


def test_five_copies_of_one_script_are_one_campaign_by_words_and_by_sound(drops):
    _, results = drops
    copies = results[:5]
    assert all(r["error"] is None for r in copies), [r["error"] for r in copies]
    assert len({r["campaign"]["id"] for r in copies}) == 1
    for result in copies:
        assert result["campaign"]["copies"] == 5 and result["campaign"]["recipients"] == 5
        assert "first_name" in result["campaign"]["varying_slots"]
        assert result["voice"]["campaign"] is not None
        assert result["voice"]["campaign"]["recipients"] == 5
        codes = {r["code"]: r for r in result["reasons"]}
        assert codes[VOICE_CAMPAIGN_COPY]["weight"] > 0
        # the voice model leans synthetic; SYNTHETIC_VOICE weighs in only above its operating threshold
        # (bounded human false alarms, see the voice model card), and the campaign alone makes the verdict
        assert result["voice"]["synthetic"] > 0.5
        assert (SYNTHETIC_VOICE in codes) == (result["voice"]["synthetic"] > VOICE_THRESHOLD)
        assert result["verdict"] == "smile"
    assert len({r["voice"]["campaign"]["id"] for r in copies}) == 1


def test_each_copy_is_transcribed_with_its_own_first_name(drops):
    records, results = drops
    for record, result in zip(records, results, strict=False):
        transcript = result["voice"]["transcript"]
        assert isinstance(transcript, str) and transcript
        assert record["recipient"]["first_name"] in transcript
        slots = result["personalization"]["slots"]
        assert any(s["type"] == "first_name" for s in slots)


def test_another_script_in_the_same_voice_is_not_linked(drops):
    _, results = drops
    other = results[5]
    assert other["error"] is None
    assert other["voice"]["campaign"] is None
    assert other["campaign"] is None or other["campaign"]["id"] != results[0]["campaign"]["id"]
    assert VOICE_CAMPAIGN_COPY not in {r["code"] for r in other["reasons"]}


def test_a_given_body_is_used_as_is_instead_of_transcribing(tmp_path):
    require_tools("flite")

    class NoTranscriber:
        def transcribe(self, *args, **kwargs):
            raise AssertionError("a record with a body must not be transcribed")

    path = render(KNOWN_SENTENCE, tmp_path / "v.wav", "body")
    body = "Hi Dana, quick reminder that your dentist appointment is tomorrow at nine."
    heard_record, heard = Voicemail(transcriber=NoTranscriber()).hear(_record("b", path, "Dana", body=body))
    assert heard_record["body"] == body and heard.transcript is None
    assert 0.0 <= heard.synthetic <= 1.0


def test_scoring_a_voicemail_without_faster_whisper_is_a_clear_error(tmp_path, monkeypatch):
    require_tools("flite")
    import detector.audio.encoder as encoder
    import detector.audio.transcription as transcription

    path = render(KNOWN_SENTENCE, tmp_path / "v.wav", "missing")
    monkeypatch.setitem(sys.modules, "faster_whisper", None)  # import fails as if not installed
    transcription.default_transcriber.cache_clear()
    encoder._cached.cache_clear()  # the voice model's Whisper encoder needs it too
    try:
        result = Detector(Detector.open().bundle).score(_record("m", path, "Dana"))
    finally:
        transcription.default_transcriber.cache_clear()
        encoder._cached.cache_clear()
    assert result["verdict"] == "error"
    assert "faster-whisper" in result["error"] and "sincere[voice]" in result["error"]


@pytest.mark.parametrize("make, message", [
    (lambda p: p.write_bytes(b""), "empty file"),
    (lambda p: p.write_text("not audio at all\n" * 100), "not a readable audio file"),
    (lambda p: None, "no such file"),
])
def test_unreadable_audio_is_an_error_result_and_the_run_goes_on(tmp_path, make, message):
    path = tmp_path / "bad.m4a"
    make(path)
    good = {"id": "text", "channel": "sms", "body": "Running ten minutes late, see you at the cafe."}
    bad, ok = Detector.open().score_many([_record("bad", path, "Dana"), good])
    assert bad["verdict"] == "error" and message in bad["error"] and bad["id"] == "bad"
    assert ok["error"] is None


def test_voice_hits_and_verdict_from_a_heard_recording(monkeypatch):
    """A synthetic voice alone weighs less than a campaign: a personal text stays personal."""
    detector = Detector.open()
    record = {"id": "p", "channel": "voicemail", "audio_path": "unused.wav",
              "body": "Hey it's mom, call me back when you land, love you.",
              "recipient": {"first_name": "Dana"}}

    def scored(heard: Heard) -> dict:
        monkeypatch.setattr(detector.voicemail, "hear", lambda rec: (rec, heard))
        return detector.score(record)

    result = scored(Heard(0.99, None))
    assert result["voice"] == {"synthetic": 0.99, "transcript": None, "campaign": None}
    assert any(r["code"] == SYNTHETIC_VOICE and r["weight"] > 0 for r in result["reasons"])
    assert result["verdict"] == "personal"
    below = scored(Heard(0.9, None, threshold=0.95))
    assert not any(r["code"] == SYNTHETIC_VOICE for r in below["reasons"])  # under the model's threshold: no weight


def test_sincere_score_accepts_audio_path_records(tmp_path):
    require_tools("flite", "fpcalc")
    path = render(script(SCRIPT_ID, "Dana"), tmp_path / "drop.wav", "cli")
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(_record("cli-1", path, "Dana")) + "\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", "from detector.cli import main; main()", "score", str(source), "--jsonl"],
                          capture_output=True, text=True, timeout=300, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert result["id"] == "cli-1" and result["error"] is None
    assert "Dana" in result["voice"]["transcript"] and 0.0 <= result["voice"]["synthetic"] <= 1.0
    assert result["verdict"] == "smile"


def test_unreadable_audio_beside_a_given_body_scores_the_words_without_a_voice(tmp_path):
    path = tmp_path / "broken.mp3"
    path.write_bytes(b"ID3 not really audio")
    result = Detector.open().score(_record("t", path, "Dana", body="hey dana, found your scarf in my car, will drop it off"))
    assert result["error"] is None and result["voice"] is None and result["verdict"] == "personal"


@pytest.mark.parametrize("known_first", [True, False])
def test_the_same_recording_without_a_recipient_is_not_a_second_person(tmp_path, known_first):
    """One WAV uploaded with and without its recipient (either order) links nothing, by sound or by
    words; a copy for someone else then reaches 2 people, the recipient-less upload not counted."""
    require_tools("flite", "fpcalc")
    from detector.campaigns.stores import open_campaign_store

    body = script(SCRIPT_ID, "Dana")
    path = render(body, tmp_path / "dana.wav", "same")
    known = _record("with", path, "Dana", body=body)
    unknown = {k: v for k, v in _record("without", path, "Dana", body=body).items() if k != "recipient"}
    detector, index = Detector.open(), open_campaign_store("memory://")

    def score(record):  # one request at a time, as the API scores uploads
        return next(detector.score_many([record], campaigns=index))

    for record in ((known, unknown) if known_first else (unknown, known)):
        result = score(record)
        assert result["campaign"] is None and result["voice"]["campaign"] is None, record["id"]
        assert not any("2 people" in r["description"] for r in result["reasons"])
    kevin = render(script(SCRIPT_ID, "Kevin"), tmp_path / "kevin.wav", "same-kevin")
    other = score(_record("kevin", kevin, "Kevin", body=script(SCRIPT_ID, "Kevin")))
    assert other["voice"]["campaign"]["recipients"] == 2 and other["voice"]["campaign"]["copies"] == 2
    again = score(unknown)  # compared with the index, still not counted
    assert again["voice"]["campaign"]["recipients"] == 2 and again["voice"]["campaign"]["copies"] == 2


def test_a_clip_too_short_to_fingerprint_is_logged_for_that_clip_only(caplog, monkeypatch):
    require_tools("fpcalc")
    import numpy as np

    import detector.campaigns.audio_fingerprint as audio_fingerprint

    voicemail = Voicemail()
    rng = np.random.default_rng(3)
    short = (0.3 * np.sin(np.arange(2400) / 8000 * 2 * np.pi * 440)).astype(np.float32)
    speechlike = (rng.standard_normal(8000 * 8) * np.sin(np.arange(8000 * 8) / 8000 * 2 * np.pi * 3)).astype(np.float32)
    with caplog.at_level("DEBUG", logger="sincere.voicemail"):
        assert voicemail._hashes(short) is None
        assert voicemail._hashes(speechlike) is not None
    assert not any("audio campaigns are off" in r.getMessage() for r in caplog.records)
    assert [r.levelname for r in caplog.records if "one recording" in r.getMessage()] == ["DEBUG"]

    caplog.clear()
    monkeypatch.setattr(audio_fingerprint, "missing_reason", lambda: "fpcalc not on PATH")
    with caplog.at_level("WARNING", logger="sincere.voicemail"):
        assert voicemail._hashes(speechlike) is None and voicemail._hashes(speechlike) is None
    assert [r.getMessage() for r in caplog.records] == ["audio campaigns are off: fpcalc not on PATH"]


def test_a_broken_voice_bundle_makes_voicemails_error_results_and_text_goes_on(tmp_path, monkeypatch):
    require_tools("flite")
    import shutil

    import detector.audio.detector as voice_detector

    broken = tmp_path / "voice"
    shutil.copytree(voice_detector.default_voice_bundle_path(), broken)
    (broken / "voice_model.skops").write_bytes(b"not a zip")
    monkeypatch.setattr(voice_detector, "default_voice_bundle_path", lambda: broken)
    path = render(KNOWN_SENTENCE, tmp_path / "v.wav", "broken-voice")
    text = {"id": "text", "channel": "sms", "body": "Running ten minutes late, see you at the cafe."}
    voicemail, ok = Detector(Detector.open().bundle).score_many([_record("vm", path, "Dana", body="hi"), text])
    assert voicemail["verdict"] == "error" and "synthetic-voice model" in voicemail["error"]
    assert "sha256" in voicemail["error"] and ok["error"] is None
