"""Bounded load on loopback against `sincere serve`: N keep-alive clients for T seconds on POST /v1/score.

Starts the server on a free port with a throwaway data dir and API key, waits for /readyz, then
each client sends the shipped sample messages in turn and waits for each answer. Without --rate the
clients send as fast as answers come (closed loop: throughput at saturation, where latency is mostly
queueing, clients / throughput); with --rate they keep to a fixed total request rate and latency is
counted from each request's scheduled time, so a slow answer is not hidden by the sends it delays.
Reports requests/s, latency p50/p99 (client side, full round trip) and errors (anything but a 200, or a
broken connection), with the machine's load average, since other work on the machine skews all of it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from render import write_fragment

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "data" / "samples" / "messages.jsonl"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def requests_for(port: int, token: str) -> list[bytes]:
    """Pre-encoded HTTP/1.1 requests, one per sample message, so the client does almost no work."""
    out = []
    for line in SAMPLES.read_text(encoding="utf-8").splitlines():
        body = line.encode()
        head = (f"POST /v1/score HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-API-Key: {token}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n")
        out.append(head.encode() + body)
    return out


async def _client(port: int, requests: list[bytes], offset: int, until: float, interval: float,
                 latencies: list[float], errors: list[str]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    i, next_at = offset, time.perf_counter() + interval * random.random()
    try:
        while True:
            start = time.perf_counter()
            if interval:
                if next_at >= until:
                    break
                if next_at > start:
                    await asyncio.sleep(next_at - start)
                start, next_at = next_at, next_at + interval
            elif start >= until:
                break
            writer.write(requests[i % len(requests)])
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = next(int(h.split(b":")[1]) for h in head.split(b"\r\n") if h.lower().startswith(b"content-length:"))
            await reader.readexactly(length)
            latencies.append((time.perf_counter() - start) * 1000)
            if status != 200:
                errors.append(str(status))
            i += 1
    except (OSError, asyncio.IncompleteReadError) as exc:
        errors.append(type(exc).__name__)
    finally:
        writer.close()


async def _load(port: int, requests: list[bytes], clients: int, seconds: float, warmup: float,
               rate: float) -> tuple[list[float], list[str], float]:
    interval = clients / rate if rate else 0.0
    await asyncio.gather(*(_client(port, requests, c, time.perf_counter() + warmup, interval, [], [])
                           for c in range(clients)))
    latencies: list[float] = []
    errors: list[str] = []
    start = time.perf_counter()
    await asyncio.gather(*(_client(port, requests, c, start + seconds, interval, latencies, errors) for c in range(clients)))
    return latencies, errors, time.perf_counter() - start


def _wait_ready(port: int, server: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"server exited with status {server.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("server not ready in time")


def _summary(mode: str, latencies: list[float], errors: list[str], elapsed: float) -> dict:
    latencies = sorted(latencies)
    return {
        "mode": mode,
        "requests": len(latencies),
        "errors": len(errors),
        "error_kinds": sorted(set(errors)),
        "seconds": round(elapsed, 1),
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies), 2) if latencies else None,
        "p99_ms": round(latencies[int(0.99 * (len(latencies) - 1))], 2) if latencies else None,
    }


def main() -> None:
    """Start the server, run the closed-loop and paced loads, and write the fragment; exits non-zero when any
    request failed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=30.0, help="closed-loop run length")
    parser.add_argument("--paced-seconds", type=float, default=20.0, help="paced run length (0: skip it)")
    parser.add_argument("--rate", type=float, default=0.0,
                        help="total requests/s of the paced run (default: half the closed-loop throughput)")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--out", type=Path, help="write the benchmark fragment (JSON) here")
    args = parser.parse_args()

    from api.keys import KeyStore

    sincere = Path(sys.executable).with_name("sincere")
    runs = []
    with tempfile.TemporaryDirectory() as data_dir:
        env = {**os.environ, "SINCERE_DATA_DIR": data_dir, "SINCERE_RATE_LIMIT": "1000000/minute", "SINCERE_HASH_SALT": "bench"}
        token = KeyStore(Path(data_dir) / "api.sqlite3").create("benchmark")[1]
        port = _free_port()
        server = subprocess.Popen([str(sincere), "serve", "--port", str(port), "--workers", str(args.workers),
                                   "--log-level", "warning"], env=env, cwd=data_dir)
        try:
            _wait_ready(port, server)
            requests = requests_for(port, token)
            runs.append(_summary("closed loop", *asyncio.run(_load(port, requests, args.clients, args.seconds, args.warmup, 0.0))))
            print(json.dumps(runs[-1]), flush=True)
            rate = args.rate or max(1.0, round(runs[0]["requests_per_s"] / 2))
            if args.paced_seconds > 0:
                runs.append(_summary(f"paced at {rate:g} req/s", *asyncio.run(
                    _load(port, requests, args.clients, args.paced_seconds, 0.0, rate))))
                print(json.dumps(runs[-1]), flush=True)
        finally:
            server.terminate()
            server.wait(timeout=30)
    errors = sum(r["errors"] for r in runs)
    fragment = {
        "benchmark": "api_load",
        "title": "HTTP API under load: POST /v1/score on loopback",
        "data": (f"`sincere serve --workers {args.workers}` with a fresh data dir (default SQLite key store, feedback "
                 f"store and campaign index); {args.clients} keep-alive clients sending the "
                 f"{len(requests_for(0, ''))} shipped sample messages in turn"),
        "tables": [{
            "caption": "POST /v1/score, client-side round trip",
            "columns": ["load", "clients", "seconds", "requests", "errors", "requests/s", "p50 ms", "p99 ms"],
            "rows": [[r["mode"], args.clients, r["seconds"], r["requests"], r["errors"], r["requests_per_s"],
                      r["p50_ms"], r["p99_ms"]] for r in runs],
        }],
        "notes": [
            "Target: p99 < 25 ms with 0 errors. Closed loop: each client sends its next request when the last is "
            "answered, so latency there is mostly queueing (clients / throughput); paced: a fixed total rate, "
            "latency counted from each request's scheduled time.",
            f"Load average (1 min) after the run: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores.",
        ],
        "metrics": {"workers": args.workers, "clients": args.clients, "runs": runs},
    }
    write_fragment(fragment, args.out)
    if errors:
        raise SystemExit(f"{errors} errors")


if __name__ == "__main__":
    main()
