"""Transformer path speed on corpus messages: single-message latency p50/p99 and batched
throughput, fp32 against dynamic int8, and how far int8 moves the scores.

Torch uses $SINCERE_TORCH_THREADS threads (default 2, the target machine's cores). The
encoder's memo is switched off so repeated messages cannot flatter the figures. With a
transformer bundle (--model or $SINCERE_BENCH_TRANSFORMER) the whole engine is timed through
it; the encoder-only rows are always measured. Needs the [transformer] extra.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from render import write_fragment

from detector.engine import Detector
from detector.models import minilm

REPO = Path(__file__).resolve().parents[1]


def _load_records(corpus: Path | None, n: int) -> tuple[list[dict], str]:
    if corpus and corpus.is_file():
        from training.dataset import read_table, to_record

        frame = read_table(corpus)
        frame = frame[frame["split"] == "test"].sample(frac=1.0, random_state=7)
        return [to_record(r) for r in frame.head(n).to_dict("records")], f"{n} messages of the corpus test split"
    samples = [json.loads(line) for line in (REPO / "data/samples/messages.jsonl").read_text().splitlines()]
    records = [dict(samples[i % len(samples)], id=str(i), body=f"{samples[i % len(samples)].get('body', '')} ({i})")
               for i in range(n)]
    return records, f"{n} shipped sample messages, each made unique (no corpus given)"


def _timings(one: Callable[[Any], Any], many: Callable[[Sequence[Any]], Any], items: Sequence[Any],
            single: int) -> dict[str, float]:
    one(items[0])  # warm up
    latencies = []
    for item in items[1 : single + 1]:
        start = time.perf_counter()
        one(item)
        latencies.append((time.perf_counter() - start) * 1000)
    latencies.sort()
    start = time.perf_counter()
    many(items)
    elapsed = time.perf_counter() - start
    return {"p50_ms": round(statistics.median(latencies), 1),
            "p99_ms": round(latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))], 1),
            "msgs_per_s": round(len(items) / elapsed, 1), "single_n": len(latencies), "batch_n": len(items)}


def _texts_of(records: list[dict]) -> list[str]:
    from detector.engine import prepare
    from detector.features import model_text
    from detector.signals import default_registry

    registry = default_registry()
    return [model_text(*prepare(r, registry)) for r in records]


def bench(records: list[dict], single: int, bundle: Path | None, max_length: int) -> dict[str, Any]:
    """Time the transformer bundle end to end (when given) and the MiniLM encoder alone in fp32 and int8, and
    how far int8 moves the embeddings and the head's score."""
    torch, _ = minilm.require_torch()
    os.environ.setdefault(minilm.THREADS_ENV, "2")
    minilm.set_threads(torch)
    texts = _texts_of(records)
    result: dict[str, Any] = {"threads": torch.get_num_threads(), "max_length": max_length}
    if bundle is not None:  # first: a quantised model built in this process slows fp32 batches afterwards
        detector = Detector.open(bundle)
        minilm.shared_encoder(int(detector.bundle.manifest["encoder"]["max_length"]),
                              bool(detector.bundle.manifest["encoder"]["int8"])).memo_size = 0
        result["engine"] = _timings(detector.score, lambda rs: list(detector.score_many(rs)), records, single)
        result["engine"]["model_version"] = detector.model_version
    vectors = {}
    for name, int8 in (("fp32", False), ("int8", True)):
        encoder = minilm.SentenceEncoder(max_length=max_length, int8=int8, memo_size=0)
        result[f"encoder_{name}"] = _timings(lambda t, encoder=encoder: encoder.embed([t]), encoder.embed, texts, single)
        vectors[name] = encoder.embed(texts)
    cosine = np.sum(vectors["fp32"] * vectors["int8"], axis=1)
    result["int8_cosine_mean"] = round(float(cosine.mean()), 4)
    result["int8_cosine_min"] = round(float(cosine.min()), 4)
    if bundle is not None:
        head = getattr(detector.bundle.text_model, "head", None)
        if head is not None:  # a minilm_head bundle: how much int8 moves its score
            personal = list(head.classes_).index("personal")
            p = {k: head.predict_proba(v)[:, personal] for k, v in vectors.items()}
            result["int8_head_max_abs_dp_personal"] = round(float(np.max(np.abs(p["fp32"] - p["int8"]))), 4)
            result["int8_head_mean_abs_dp_personal"] = round(float(np.mean(np.abs(p["fp32"] - p["int8"]))), 4)
    result["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return result


def fragment(data: str, r: dict[str, Any]) -> dict[str, Any]:
    """The renderer's fragment (see benchmarks/render.py)."""
    rows = []
    if "engine" in r:
        e = r["engine"]
        rows += [[f"engine (`{e['model_version']}`) single message p50", f"{e['p50_ms']} ms", ""],
                 ["engine single message p99", f"{e['p99_ms']} ms", "< 150 ms"],
                 ["engine `score_many` throughput", f"{e['msgs_per_s']} msg/s", "≥ 60 msg/s on 2 cores"]]
    for name in ("fp32", "int8"):
        e = r[f"encoder_{name}"]
        rows += [[f"MiniLM encoder {name}: single p50 / p99", f"{e['p50_ms']} / {e['p99_ms']} ms", ""],
                 [f"MiniLM encoder {name}: batched", f"{e['msgs_per_s']} msg/s", ""]]
    rows.append(["int8 vs fp32 embedding cosine (mean / min)", f"{r['int8_cosine_mean']} / {r['int8_cosine_min']}", ""])
    if "int8_head_max_abs_dp_personal" in r:
        rows.append(["int8 vs fp32 head P(personal) change (mean / max)",
                     f"{r['int8_head_mean_abs_dp_personal']} / {r['int8_head_max_abs_dp_personal']}", ""])
    return {
        "benchmark": "transformer_speed",
        "title": "Transformer path (all-MiniLM-L6-v2)",
        "data": data,
        "tables": [{"caption": "", "columns": ["measure", "result", "target"], "rows": rows}],
        "notes": [f"torch threads {r['threads']}, first {r['max_length']} tokens, encoder memo off; batched = one "
                  f"call over {r['encoder_fp32']['batch_n']} messages (batches of {minilm.BATCH_SIZE}, length-sorted)."],
        "metrics": r,
    }


def main() -> None:
    """Time the transformer path on the corpus test split (or the shipped samples) and write the fragment."""
    parser = argparse.ArgumentParser(description=__doc__)
    env_corpus, env_model = os.environ.get("SINCERE_BENCH_CORPUS"), os.environ.get("SINCERE_BENCH_TRANSFORMER")
    parser.add_argument("--corpus", type=Path, default=Path(env_corpus) if env_corpus else None)
    parser.add_argument("--model", type=Path, default=Path(env_model) if env_model else None,
                        help="a transformer bundle folder to time end to end")
    parser.add_argument("--out", type=Path, help="write the JSON fragment here")
    parser.add_argument("-n", type=int, default=300, help="messages for batched throughput")
    parser.add_argument("--single", type=int, default=60, help="messages for single-message latency")
    parser.add_argument("--max-length", type=int, default=64, help="tokens per message for the encoder-only rows")
    args = parser.parse_args()
    records, data = _load_records(args.corpus, args.n)
    write_fragment(fragment(data, bench(records, args.single, args.model, args.max_length)), args.out)


if __name__ == "__main__":
    main()
