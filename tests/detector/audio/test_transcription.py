"""Offline transcription: the bundled Whisper tiny.en runs with no network, checked against its pinned sums."""

from __future__ import annotations

import re
import socket

import pytest

from detector.audio.decoding import ASR_RATE, load_audio
from detector.audio.transcription import MODEL_SHA256, Transcriber, TranscriberUnavailable, normalise_transcript, verify_model
from tests.detector.voice_drops import KNOWN_SENTENCE, render, require_tools


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Word-level edit distance over the reference length (lower-cased, punctuation dropped)."""
    ref, hyp = (re.findall(r"[a-z0-9']+", t.lower()) for t in (reference, hypothesis))
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        diagonal, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            diagonal, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, diagonal + (r != h))
    return row[len(hyp)] / len(ref)


def test_word_error_rate_helper():
    assert word_error_rate("call me back", "Call me back.") == 0
    assert word_error_rate("call me back now", "call back now please") == 0.5


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a network connection fails the test."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")

    def refuse(self, address, *args):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            raise AssertionError(f"network access attempted: {address!r}")
        return real_connect(self, address, *args)

    real_connect = socket.socket.connect
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: refuse(socket.socket(), a[0] if a else None))


def test_a_known_tts_sentence_is_transcribed_offline_with_low_word_error_rate(tmp_path, no_network):
    require_tools("flite")
    path = render(KNOWN_SENTENCE, tmp_path / "known.wav", "wer")  # through a mu-law telephone channel
    transcriber = Transcriber.load()  # loaded here, under the network block, not taken from a cache
    transcript = transcriber.transcribe(load_audio(path, rate=ASR_RATE))
    assert word_error_rate(KNOWN_SENTENCE, transcript) < 0.30, transcript


def test_hotwords_prime_the_reader_s_name(tmp_path, no_network):
    require_tools("flite")
    path = render("Hi Priyanka, this is Sam from Acme. Call me back when you can.", tmp_path / "name.wav", "name")
    transcript = Transcriber.load().transcribe(load_audio(path, rate=ASR_RATE), hotwords=["Priyanka"])
    assert "Priyanka" in transcript


def test_a_model_file_that_does_not_match_its_sum_is_refused(tmp_path):
    for name in MODEL_SHA256:
        (tmp_path / name).write_bytes(b"tampered")
    with pytest.raises(TranscriberUnavailable, match="sha256"):
        verify_model(tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(TranscriberUnavailable, match="missing"):
        verify_model(empty)


@pytest.mark.parametrize("raw, expected", [
    ("  Hi Dana [BLANK_AUDIO] (laughs) it's Sam.  ", "Hi Dana it's Sam."),
    ("Call me at four one five, five five five, oh one four two. Thanks.", "Call me at 4155550142. Thanks."),
    ("Give me a call at 415 155.5.5.5.5.5.5.5.5.5.5.5", "Give me a call at 415 155.5"),
    ("Thanks, bye. Bye. Bye. Bye. Bye. Bye.", "Thanks, bye. Bye."),
    ("one of two options", "one of two options"),
    ("", ""),
])
def test_transcripts_are_normalised_like_written_text(raw, expected):
    assert normalise_transcript(raw) == expected
