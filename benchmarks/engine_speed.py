"""Engine speed on corpus messages: single-message latency p50/p99 and score_many throughput.

Messages come from the corpus test split when a corpus Parquet is given (or ../shared is
beside the repo and the corpus can be built), else from the shipped samples repeated.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import time
from pathlib import Path

from render import write_fragment

from detector.engine import Detector

REPO = Path(__file__).resolve().parents[1]


def _load_messages(corpus: Path | None, n: int) -> tuple[list[dict], str]:
    if corpus and corpus.is_file():
        from training.dataset import read_table, to_record

        frame = read_table(corpus)
        frame = frame.sample(frac=1.0, random_state=13)  # every split: speed, not accuracy, is measured
        records = [to_record(r) for r in frame.head(n).to_dict("records")]
        return records, f"{len(records)} corpus messages, all labels and channels ({corpus.name})"
    samples = [json.loads(line) for line in (REPO / "data/samples/messages.jsonl").read_text().splitlines()]
    records = [dict(samples[i % len(samples)], id=str(i)) for i in range(n)]
    return records, f"{n} copies of the shipped samples (no corpus given)"


def bench(records: list[dict], single: int) -> dict:
    """The shipped engine timed three ways: `score` one message at a time (p50, p99), `score_many` in one
    process, and `score_many` with two workers."""
    detector = Detector.open()
    detector.score(records[0])  # warm caches
    latencies = []
    for record in records[:single]:
        start = time.perf_counter()
        detector.score(record)
        latencies.append((time.perf_counter() - start) * 1000)
    latencies.sort()
    start = time.perf_counter()
    count = sum(1 for _ in detector.score_many(records))
    elapsed = time.perf_counter() - start
    start = time.perf_counter()
    sum(1 for _ in detector.score_many(records, workers=2))
    elapsed_2 = time.perf_counter() - start
    return {
        "model_version": detector.model_version,
        "single_p50_ms": round(statistics.median(latencies), 2),
        "single_p99_ms": round(latencies[int(0.99 * (len(latencies) - 1))], 2),
        "single_n": len(latencies),
        "score_many_msgs_per_s": round(count / elapsed, 1),
        "score_many_n": count,
        "score_many_2_workers_msgs_per_s": round(count / elapsed_2, 1),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),  # the parent process
    }


def fragment(data: str, e: dict) -> dict:
    """The renderer's fragment (see benchmarks/render.py)."""
    return {
        "benchmark": "engine_speed",
        "title": f"Text engine (`{e['model_version']}`)",
        "data": data,
        "tables": [{
            "caption": "",
            "columns": ["measure", "result", "target"],
            "rows": [
                ["single message latency p50", f"{e['single_p50_ms']} ms", ""],
                ["single message latency p99", f"{e['single_p99_ms']} ms", "< 20 ms"],
                ["`score_many` throughput (one process)", f"{e['score_many_msgs_per_s']:,} msg/s", ""],
                ["`score_many(workers=2)` throughput", f"{e['score_many_2_workers_msgs_per_s']:,} msg/s",
                 "≥ 1,000 msg/s on 2 cores"],
                ["peak RSS", f"{e['peak_rss_mib']} MiB", ""],
            ],
        }],
        "notes": [f"Single-message latency is `Detector.score` on {e['single_n']} messages one at a time; "
                  f"throughput is `Detector.score_many` over {e['score_many_n']} messages."],
        "metrics": e,
    }


def main() -> None:
    """Time the engine on the corpus (or the shipped samples without one) and write the fragment."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, help="corpus Parquet from `sincere data build`")
    parser.add_argument("--out", type=Path, help="write the JSON fragment here")
    parser.add_argument("-n", type=int, default=10_000, help="messages for throughput")
    parser.add_argument("--single", type=int, default=2_000, help="messages for single-message latency")
    args = parser.parse_args()
    records, data = _load_messages(args.corpus, args.n)
    write_fragment(fragment(data, bench(records, args.single)), args.out)


if __name__ == "__main__":
    main()
