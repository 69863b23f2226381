"""Synthetic-voice scoring speed: a 30-second clip, decoded and scored end to end.

The clip is the shipped test clips joined to 30 s and written as 8 kHz 16-bit WAV (a
voicemail's usual form), so the figure includes decoding, trimming, the hand-made features
and the Whisper tiny.en encoder over 8 windows of 4 s, and the linear model. The encoder's
share is timed on its own too. Load time of the bundle (and the encoder) is reported separately.
The load average is recorded: on a shared machine it says how much the wall-clock figures are
inflated; the CPU time of all the process's threads is reported beside them (what the score costs,
whatever else runs).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf
from render import write_fragment

from detector.audio import SAMPLE_RATE, SyntheticVoiceDetector, load_audio
from detector.audio.features import MAX_WINDOWS, trim_silence, windows

REPO = Path(__file__).resolve().parents[1]
CLIPS = sorted((REPO / "tests/detector/audio/data").glob("*.flac"))


def thirty_second_clip(folder: Path) -> Path:
    """A 30 s 8 kHz WAV in `folder` made of the audio tests' speech clips, repeated: the voicemail length the
    speed targets are set for."""
    speech = np.concatenate([load_audio(p) for p in CLIPS])
    clip = np.tile(speech, int(np.ceil(30 * SAMPLE_RATE / speech.size)))[: 30 * SAMPLE_RATE]
    path = folder / "voicemail-30s.wav"
    sf.write(path, clip, SAMPLE_RATE, subtype="PCM_16")
    return path


def bench(repeats: int) -> dict:
    """Time the synthetic-voice detector's bundle load and `score` on the 30 s clip (wall and CPU time), and its
    Whisper encoder alone."""
    t0 = time.perf_counter()
    voice = SyntheticVoiceDetector.load()
    load_ms = (time.perf_counter() - t0) * 1000
    with tempfile.TemporaryDirectory(prefix="sincere-voice-") as tmp:
        path = thirty_second_clip(Path(tmp))
        voice.score(path)  # warm-up: first-call imports and caches
        times, cpu_times, encoder_times = [], [], []
        cut = windows(trim_silence(load_audio(path)), MAX_WINDOWS)
        for _ in range(repeats):
            t, c = time.perf_counter(), time.process_time()
            voice.score(path)
            times.append((time.perf_counter() - t) * 1000)
            cpu_times.append((time.process_time() - c) * 1000)
            if voice.encoder is not None:
                t = time.perf_counter()
                voice.encoder.embed(cut)
                encoder_times.append((time.perf_counter() - t) * 1000)
    return {
        "model_version": voice.version, "clip_seconds": 30, "repeats": repeats,
        "score_p50_ms": round(statistics.median(times), 1), "score_max_ms": round(max(times), 1),
        "score_cpu_p50_ms": round(statistics.median(cpu_times), 1),
        "encoder_p50_ms": round(statistics.median(encoder_times), 1) if encoder_times else None,
        "windows": len(cut), "front_end": voice.manifest["front_end"],
        "bundle_load_ms": round(load_ms, 1), "cpus": os.cpu_count(), "load_average_1m": round(os.getloadavg()[0], 2),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def fragment(e: dict) -> dict:
    """The renderer's fragment (see benchmarks/render.py)."""
    return {
        "benchmark": "voice_speed",
        "title": f"Synthetic-voice detector (`{e['model_version']}`)",
        "data": "a 30 s 8 kHz 16-bit WAV built from the test clips in tests/detector/audio/data",
        "tables": [{
            "caption": "",
            "columns": ["measure", "result", "target"],
            "rows": [
                ["30 s clip scored (decode + features + encoder + model), median", f"{e['score_p50_ms']} ms",
                 "< 1 s on 2 cores"],
                ["30 s clip scored, slowest", f"{e['score_max_ms']} ms", ""],
                ["30 s clip scored, CPU time of all threads, median", f"{e['score_cpu_p50_ms']} ms",
                 "< 2000 ms (1 s on each of 2 cores)"],
                [f"of which the Whisper encoder ({e['windows']} windows), median", f"{e['encoder_p50_ms']} ms", ""],
                ["voice bundle load (with the encoder)", f"{e['bundle_load_ms']} ms", ""],
                ["peak RSS", f"{e['peak_rss_mib']} MiB", ""],
            ],
        }],
        "notes": [f"`SyntheticVoiceDetector.score(path)` timed {e['repeats']} times after one warm-up call; "
                  f"front end {e['front_end']}; 1-minute load average {e['load_average_1m']} on {e['cpus']} CPUs."],
        "metrics": e,
    }


def main() -> None:
    """Time the synthetic-voice detector and write the fragment."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--out", type=Path, help="write the JSON fragment here")
    args = parser.parse_args()
    write_fragment(fragment(bench(args.repeats)), args.out)


if __name__ == "__main__":
    main()
