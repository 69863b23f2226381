"""`sincere scan` on a generated Gmail-Takeout-like mbox: peak RSS and messages/s, local and Dask.

The mbox mixes template outreach (one campaign per template, first name and company filled in),
newsletters and personal notes, with Gmail X-GM-LABELS / X-GM-THRID headers. Each engine runs
in its own `sincere scan` process; peak RSS is the scan process's own maximum resident set
(Dask workers are separate processes and report their own).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path
from tempfile import TemporaryDirectory

REPO = Path(__file__).resolve().parents[1]
OWNER_FIRST, OWNER_EMAIL = "Dana", "dana@example.com"
COMPANY = ["Northwind Labs", "Acme", "Globex", "Initech", "Umbrella Health", "Stark Freight"]
OUTREACH = [
    "Hi {first},\n\nI came across {company} and was really impressed by what you're building. We help teams like "
    "yours cut churn by 30% in 90 days. Would you be open to a quick 15-minute call next week?\n\nBest,\nAlex",
    "Hey {first}, quick question: who handles vendor selection at {company}? I'd love to show you how our platform "
    "saves engineering leaders 10 hours a week. Worth a chat?\n\nCheers, Morgan",
    "Dear {first},\n\nI noticed {company} is hiring. Our recruiting software finds candidates 3x faster. "
    "Can I send you a short demo video made just for you?\n\nKind regards,\nTaylor",
]
NEWSLETTER = ("This month: three new integrations, a pricing update and our winter webinar schedule. You are "
              "receiving this because you subscribed. Unsubscribe: https://news.example.com/u/{n}")
PERSONAL = [
    "Hi {first}, the venue moved the keynote to 2pm, so we can still grab lunch with Ted before. I'll bring the "
    "proofs of chapter 4 you asked about.",
    "{first}! found your blue scarf in my car after the concert on saturday, I'll drop it off tomorrow after work.",
]


def write_mbox(path: Path, n: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            first, company = OWNER_FIRST, rng.choice(COMPANY)
            kind = rng.random()
            if kind < 0.5:
                body, sender = rng.choice(OUTREACH).format(first=first, company=company), f"Sales {i % 300}"
            elif kind < 0.8:
                body, sender = NEWSLETTER.format(n=i), f"News {i % 40}"
            else:
                body, sender = rng.choice(PERSONAL).format(first=first), f"Friend {i % 25}"
            out.write(f"From 17{i:017d}@xxx Mon Jan 01 10:00:00 +0000 2024\n"
                      f"X-GM-THRID: {1700000000000000000 + i // 3}\nX-GM-LABELS: Inbox,Category Updates\n"
                      f"Delivered-To: {OWNER_EMAIL}\n"
                      f"From: {sender} <s{i % 300}@example.org>\nTo: {OWNER_FIRST} Whitfield <{OWNER_EMAIL}>\n"
                      f"Subject: Note {i}\nDate: Mon, {1 + i % 28:02d} {['Jan', 'Feb', 'Mar'][i % 3]} 2024 10:00:00 +0000\n"
                      f"Message-ID: <{i}@example.org>\nContent-Type: text/plain; charset=utf-8\n\n{body}\n\n")


def run_scan(mbox: Path, out: Path, *extra: str) -> dict:
    code = ("import resource, sys; from detector.cli import main; sys.argv = ['sincere'] + sys.argv[1:]\n"
            "try:\n    main()\nexcept SystemExit as e:\n    code = e.code\n"
            "print('PEAK_RSS_KIB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
            "sys.exit(code)")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, "scan", str(mbox), "--out", str(out), *extra],
                          capture_output=True, text=True, cwd=REPO)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    if done.returncode not in (0, 1):
        raise SystemExit(done.stderr[-3000:])
    peak = next(int(line.split()[1]) for line in done.stderr.splitlines() if line.startswith("PEAK_RSS_KIB"))
    with out.open(encoding="utf-8") as stream:
        rows = sum(1 for _ in stream)
    return {"messages": rows, "seconds": round(elapsed, 1), "msgs_per_s": round(rows / elapsed, 1),
            "cpu_s": round(cpu, 1), "peak_rss_mib": round(peak / 1024, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=2_000,
                        help="messages in the generated mbox (the acceptance figure uses -n 100000)")
    parser.add_argument("--out", type=Path, required=True, help="JSON fragment for benchmarks/render.py")
    parser.add_argument("--skip-dask", action="store_true")
    args = parser.parse_args()
    work = os.environ.get("SINCERE_BENCH_WORK")
    with TemporaryDirectory(dir=work) as tmp:
        mbox = Path(tmp) / "inbox.mbox"
        write_mbox(mbox, args.n)
        size_mib = mbox.stat().st_size / 2**20
        runs = {"local": ()}
        if not args.skip_dask:
            runs |= {"dask, 1 worker": ("--engine", "dask", "--workers", "1"),
                     "dask, 2 workers": ("--engine", "dask", "--workers", "2")}
        measured = {}
        for name, extra in runs.items():
            measured[name] = run_scan(mbox, Path(tmp) / "results.jsonl", "--report", str(Path(tmp) / "report.html"),
                                      *extra)
            print(name, measured[name], flush=True)
    fragment = {
        "benchmark": "scan",
        "title": "Batch inbox scan (`sincere scan`)",
        "data": f"a generated Gmail-Takeout-like mbox of {args.n:,} messages ({size_mib:.1f} MiB): half template "
                "outreach, 30 % newsletters, 20 % personal notes; JSONL output and the HTML report, both passes (campaign index + scoring)",
        "tables": [{"caption": "Whole scan, process start to exit",
                    "columns": ["engine", "messages", "seconds", "messages/s", "CPU seconds (all processes)",
                                "peak RSS of the scan process (MiB)"],
                    "rows": [[name, m["messages"], m["seconds"], m["msgs_per_s"], m["cpu_s"], m["peak_rss_mib"]]
                             for name, m in measured.items()]}],
        "notes": ["Target: peak RSS < 1 GB at 100,000 messages (`python benchmarks/scan.py -n 100000`).",
                  "CPU seconds are the scan process's and its children's (Dask nannies and workers), so they "
                  "stay comparable on a machine shared with other work; wall-clock rates do not.",
                  "Dask runs start a LocalCluster of worker processes on this machine; workers' own memory is "
                  "not included in the scan process's peak RSS."],
        "metrics": {"messages": args.n, "runs": measured},
    }
    args.out.write_text(json.dumps(fragment, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
