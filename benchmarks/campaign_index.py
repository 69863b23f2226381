"""Campaign index: insert and query rates and memory at 100k and 1M signatures, per store.

Each store is filled with N distinct synthetic MinHash signatures (one campaign each, by
`prefill` calls of FILL_CHUNK: SQLite writes band keys sorted, Redis links and writes chunks of
PREFILL_CHUNK in pipelines), then timed on single adds (each its own transaction, as the API
writes) and on lookups of near-copies (a quarter of the values changed, so the LSH path is
exercised). Memory: resident-set growth for the in-memory index, file size for SQLite,
`used_memory` growth for Redis (a redis-server started on loopback; reported unavailable
without one). The issue's figures, 100k and 1M for every store (about 22 minutes on two busy cores;
at 1M this process peaks near 5.5 GB and redis-server near 12 GB):
`python benchmarks/campaign_index.py --sizes 100000,1000000 --redis-sizes 100000,1000000`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
from render import write_fragment

from detector.campaigns.fingerprint import NUM_PERM, Fingerprint
from detector.campaigns.stores.memory import MemoryCampaignStore
from detector.campaigns.stores.sqlite import SqliteCampaignStore

TIMED = 2000
FILL_CHUNK = 100_000
"""Signatures per `prefill` call while filling (an inbox or a day of API traffic, not one huge transaction)."""


def _fingerprints(rng: np.random.Generator, n: int, start: int = 0) -> list[Fingerprint]:
    sigs = rng.integers(0, 2**32, size=(n, NUM_PERM), dtype=np.uint32)
    return [Fingerprint(signature=s, tokens=(), slot_types=frozenset({"first_name"}), slot_spans=(),
                        recipient=f"r{start + i}@example.org", message_id=f"m{start + i}",
                        slot_values=frozenset({("first_name", f"reader{start + i}")})) for i, s in enumerate(sigs)]


def _near_copy(fp: Fingerprint, rng: np.random.Generator, i: int) -> Fingerprint:
    sig = fp.signature.copy()
    changed = rng.choice(NUM_PERM, NUM_PERM // 4, replace=False)
    sig[changed] = rng.integers(0, 2**32, size=len(changed), dtype=np.uint32)
    return Fingerprint(signature=sig, tokens=(), slot_types=fp.slot_types, slot_spans=(),
                       recipient=f"q{i}@example.org", message_id=f"q{i}", slot_values=frozenset({("first_name", f"other{i}")}))


def _rss_bytes() -> int:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def measure(store, n: int, memory, seed: int = 13) -> dict:
    """Fill one store with n signatures, then time single inserts and near-copy lookups; `memory` reads the
    store's footprint (RSS, file size or Redis used_memory) before and after the fill."""
    rng = np.random.default_rng(seed)
    filled = _fingerprints(rng, n)
    before = memory()
    t0 = time.perf_counter()
    for start in range(0, n, FILL_CHUNK):
        store.prefill(filled[start : start + FILL_CHUNK])
    fill_s = time.perf_counter() - t0
    used = memory() - before  # the signature arrays are the store's own from here on
    used += sum(fp.signature.nbytes + 112 for fp in filled) if memory is _rss_bytes else 0
    fresh = _fingerprints(rng, TIMED, start=n)
    t0 = time.perf_counter()
    for fp in fresh:
        store.add(fp)
    insert_s = time.perf_counter() - t0
    probes = [_near_copy(filled[int(j)], rng, i) for i, j in enumerate(rng.integers(0, n, TIMED))]
    t0 = time.perf_counter()
    found = sum(store.lookup(fp) is not None for fp in probes)
    query_s = time.perf_counter() - t0
    del filled
    return {
        "signatures": n,
        "bulk_fill_s": round(fill_s, 1),
        "bulk_fill_per_s": round(n / fill_s),
        "insert_per_s": round(TIMED / insert_s),
        "query_per_s": round(TIMED / query_s),
        "near_copies_found": round(found / TIMED, 4),
        "memory_mib": round(used / 2**20, 1),
        "bytes_per_signature": round(used / n),
        "gib_per_million": round(used / n * 1e6 / 2**30, 2),
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run_memory(n: int) -> dict:
    store = MemoryCampaignStore(max_campaigns=None)
    result = measure(store, n, _rss_bytes)
    del store
    return result


def _run_sqlite(n: int, work: Path) -> dict:
    path = work / f"campaigns-{n}.db"
    store = SqliteCampaignStore(path, max_campaigns=None)

    def size() -> int:
        store._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return sum(p.stat().st_size for p in work.glob(f"{path.name}*"))

    result = measure(store, n, size)
    store.close()
    for p in work.glob(f"{path.name}*"):
        p.unlink()
    return result


def _run_redis(n: int, work: Path) -> dict | None:
    binary = shutil.which("redis-server")
    if binary is None:
        return None
    import redis

    from detector.campaigns.stores.redis import RedisCampaignStore

    port = _free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(work)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        client = redis.Redis(port=port)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        store = RedisCampaignStore(f"redis://127.0.0.1:{port}/0")
        return measure(store, n, lambda: int(client.info("memory")["used_memory"]))
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    """Measure each requested store at each size and write the fragment; Redis is noted as not measured without
    redis-server."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, help="write the benchmark fragment (JSON) here")
    parser.add_argument("--sizes", default="100000,1000000", help="signature counts for memory and SQLite")
    parser.add_argument("--redis-sizes", default="100000", help="signature counts for Redis (about 11 KiB each)")
    parser.add_argument("--stores", default="memory,sqlite,redis")
    args = parser.parse_args()
    work = Path(os.environ.get("SINCERE_BENCH_WORK") or tempfile.mkdtemp(prefix="campaign-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    rows, notes = [], []
    stores = args.stores.split(",")
    started = time.perf_counter()
    for n in map(int, filter(None, args.sizes.split(","))):
        if "memory" in stores:
            rows.append(["memory", *_run_memory(n).values()])
            print(json.dumps(rows[-1]), f"{time.perf_counter() - started:.0f} s", flush=True)
        if "sqlite" in stores:
            rows.append(["sqlite", *_run_sqlite(n, work).values()])
            print(json.dumps(rows[-1]), f"{time.perf_counter() - started:.0f} s", flush=True)
    for n in map(int, filter(None, args.redis_sizes.split(","))) if "redis" in stores else ():
        result = _run_redis(n, work)
        if result is None:
            notes.append("Redis: redis-server is not installed (apt package redis-server); not measured.")
            break
        rows.append(["redis", *result.values()])
        print(json.dumps(rows[-1]), f"{time.perf_counter() - started:.0f} s", flush=True)
    columns = ["store", "signatures", "bulk fill s", "bulk fill /s", "single insert /s", "query /s",
               "near copies found", "memory MiB", "bytes / signature", "GiB / million"]
    fragment = {
        "benchmark": "campaign_index",
        "title": "Campaign index: insert and query rates, memory per signature",
        "data": f"synthetic {NUM_PERM}-value MinHash signatures, one campaign each, filled by `prefill` calls of "
                f"{FILL_CHUNK:,}; {TIMED} timed single inserts and {TIMED} lookups of near-copies (25 % of values "
                f"changed) at each size",
        "tables": [{"caption": "Per store and index size", "columns": columns, "rows": rows}],
        "notes": notes + ["Memory: resident-set growth (memory), file size after a WAL checkpoint (SQLite), "
                          "used_memory growth (Redis)."],
        "metrics": {f"{r[0]}_{r[1]}": dict(zip(columns[2:], r[2:], strict=True)) for r in rows},
    }
    write_fragment(fragment, args.out)


if __name__ == "__main__":
    main()
