"""Voicemail scoring speed: a 30-second voicemail end to end, and where the time goes.

The voicemail is the shipped test clips (read speech and three TTS voices) joined to 30 s and
written as 8 kHz 16-bit WAV, the usual form of a voicemail. End to end is `Detector.score` on a
record with `audio_path`: decode, speech recognition (Whisper tiny.en, int8, greedy), the
synthetic-voice model, the Chromaprint fingerprint and the text detector with linking. The stage
rows time each step alone on the same audio. With a recipient, the reader's names prime the
recogniser; on this clip (not a voicemail script) the primed transcript comes out short, so it is
decoded a second time unprimed: that row is the worst case of the priming. Speech recognition uses SINCERE_ASR_THREADS threads
(default: up to 4, the cores there are); the target is for 2 cores.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

from render import write_fragment
from voice_speed import thirty_second_clip  # the same 30 s clip as the synthetic-voice benchmark

from detector.audio import SAMPLE_RATE, load_audio
from detector.audio.decoding import ASR_RATE, resample
from detector.audio.features import trim_silence
from detector.audio.transcription import MODEL_NAME
from detector.campaigns.audio_fingerprint import chromaprint
from detector.engine import Detector

SECONDS = 30


def _timed(fn, repeats: int) -> tuple[list[float], object]:
    times, out = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - t) * 1000)
    return times, out


def bench(repeats: int) -> dict:
    """Time a 30 s voicemail through `Detector.score` end to end (with and without the reader's name), then each
    stage alone: decode, speech recognition, synthetic voice, fingerprint, text."""
    detector = Detector.open()
    voicemail = detector.voicemail
    with tempfile.TemporaryDirectory(prefix="sincere-voicemail-") as tmp:
        path = thirty_second_clip(Path(tmp))
        record = {"id": "vm", "channel": "voicemail", "audio_path": str(path)}
        primed = {**record, "recipient": {"name": "Dana Whitfield", "first_name": "Dana"}}
        t0 = time.perf_counter()
        first = detector.score(record)  # loads the voice model and the recogniser
        first_ms = (time.perf_counter() - t0) * 1000
        if first["error"]:
            raise SystemExit(f"scoring failed: {first['error']}")
        total, result = _timed(lambda: detector.score(record), repeats)
        total_primed, _ = _timed(lambda: detector.score(primed), repeats)
        decode, speech = _timed(lambda: load_audio(path, rate=ASR_RATE), repeats)
        phone = resample(speech, ASR_RATE, SAMPLE_RATE)
        asr, transcript = _timed(lambda: voicemail.transcriber.transcribe(speech), repeats)
        synthetic, _ = _timed(lambda: voicemail.voice.score(phone, SAMPLE_RATE), repeats)
        fingerprint, _ = _timed(lambda: chromaprint(trim_silence(phone)), repeats)
        text, _ = _timed(lambda: detector.score({**record, "audio_path": None, "body": transcript}), repeats)
    p50 = lambda xs: round(statistics.median(xs), 1)  # noqa: E731
    return {
        "clip_seconds": SECONDS, "repeats": repeats, "asr_model": MODEL_NAME, "cpus": os.cpu_count(),
        "asr_threads": voicemail.transcriber.threads,
        "end_to_end_p50_ms": p50(total), "end_to_end_max_ms": round(max(total), 1),
        "end_to_end_primed_p50_ms": p50(total_primed),
        "first_call_ms_with_model_loads": round(first_ms, 1),
        "decode_p50_ms": p50(decode), "asr_p50_ms": p50(asr), "synthetic_voice_p50_ms": p50(synthetic),
        "fingerprint_p50_ms": p50(fingerprint), "text_detector_p50_ms": p50(text),
        "transcript_words": len(str(transcript).split()), "verdict": result["verdict"],
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "load_average": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def fragment(e: dict) -> dict:
    """The renderer's fragment (see benchmarks/render.py)."""
    return {
        "benchmark": "voicemail_speed",
        "title": "Voicemail end to end (decode + speech recognition + synthetic voice + fingerprint + text)",
        "data": "a 30 s 8 kHz 16-bit WAV built from the test clips in tests/detector/audio/data",
        "tables": [{
            "caption": "",
            "columns": ["measure", "result", "target"],
            "rows": [
                ["30 s voicemail scored end to end, median", f"{e['end_to_end_p50_ms']} ms", "< 3000 ms on 2 cores"],
                ["30 s voicemail scored end to end, slowest", f"{e['end_to_end_max_ms']} ms", ""],
                ["the same with the reader's name as a hotword, median (this clip is decoded twice)",
                 f"{e['end_to_end_primed_p50_ms']} ms", ""],
                ["decode to 16 kHz", f"{e['decode_p50_ms']} ms", ""],
                [f"speech recognition ({e['asr_threads']} threads, {e['transcript_words']} words)",
                 f"{e['asr_p50_ms']} ms", ""],
                ["synthetic-voice model", f"{e['synthetic_voice_p50_ms']} ms", ""],
                ["Chromaprint fingerprint (fpcalc)", f"{e['fingerprint_p50_ms']} ms", ""],
                ["text detector on the transcript", f"{e['text_detector_p50_ms']} ms", ""],
                ["first call, loading both models", f"{e['first_call_ms_with_model_loads']} ms", ""],
                ["peak RSS", f"{e['peak_rss_mib']} MiB", ""],
            ],
        }],
        "notes": [f"`Detector.score` on an `audio_path` record timed {e['repeats']} times after one warm-up call; "
                  f"stage rows are medians of each step alone. ASR model: {e['asr_model']}."],
        "metrics": e,
    }


def main() -> None:
    """Time the voicemail path and write the fragment."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", type=Path, help="write the JSON fragment here")
    args = parser.parse_args()
    write_fragment(fragment(bench(args.repeats)), args.out)


if __name__ == "__main__":
    main()
