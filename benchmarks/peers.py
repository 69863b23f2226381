"""Sincere against SpamAssassin and rspamd: accuracy, speed and memory on the same messages.

The items are smile and personal messages of the corpus test split, written once as RFC 822
messages into a generated mbox (the corpus has no raw messages, so each is synthesised from its
record: From, To, Subject, Date, Message-ID and a text/plain body). Every scorer reads exactly
those bytes through its own fastest local interface — Sincere `Detector.score_many` in its own
process, spamc against spamd, rspamc against rspamd — and the same pass gives both the timing
and the scores for ROC-AUC and recall at 1 % FPR (smile positive, personal negative).
"""

from __future__ import annotations

import argparse
import email.utils
import hashlib
import json
import mailbox
import math
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage
from email.policy import default as email_policy
from pathlib import Path
from typing import Any

import numpy as np
from peer_daemons import RSPAMD_PORT, SPAMD_PORT, PeerUnavailable, start_rspamd, start_spamd, version
from render import write_fragment

HERE = Path(__file__).resolve().parent
SEED = 13


# ---------------------------------------------------------------- items and the mbox

def load_items(corpus: Path, smile: int, personal: int) -> list[dict[str, Any]]:
    """Contract records (with their label) of the test split: up to `smile` smile and `personal` personal."""
    from training.dataset import read_table, to_record

    frame = read_table(corpus)
    frame = frame[frame["split"] == "test"]
    picked = []
    for label, n in (("smile", smile), ("personal", personal)):
        rows = frame[frame["label"] == label]
        rows = rows.sample(n=min(n, len(rows)), random_state=SEED)
        picked += [dict(to_record(r), label=label) for r in rows.to_dict("records")]
    return picked


def _address(person: dict | None, fallback: str, domain: str) -> tuple[str, str]:
    person = person or {}
    name = person.get("name") or fallback
    local = re.sub(r"[^a-z0-9]+", ".", name.lower()).strip(".") or fallback.lower()
    return name, person.get("email") or f"{local}@{domain}"


def rfc822(record: dict[str, Any], now: float) -> bytes:
    """A minimal RFC 822 message carrying what the record says (raw is used as is when present).

    Bodies are quoted-printable and headers RFC 2047, as mail clients send UTF-8 text.
    """
    if record.get("raw"):
        return record["raw"].encode("utf-8", errors="replace")
    msg = EmailMessage(policy=email_policy)
    sender, recipient = _address(record.get("sender"), "Sender", "example.com"), \
        _address(record.get("recipient"), "Recipient", "example.org")
    msg["From"] = email.utils.formataddr(sender)
    msg["To"] = email.utils.formataddr(recipient)
    if record.get("subject"):
        msg["Subject"] = " ".join(str(record["subject"]).split())
    msg["Date"] = email.utils.formatdate(now)
    digest = hashlib.sha256(str(record["id"]).encode()).hexdigest()[:20]
    msg["Message-ID"] = f"<{digest}@{sender[1].rsplit('@', 1)[-1]}>"
    if record.get("body_html") and not record.get("body"):
        msg.set_content(record["body_html"], subtype="html", cte="quoted-printable")
    else:
        msg.set_content(record.get("body") or "", cte="quoted-printable")
    return msg.as_bytes()


def write_messages(items: list[dict[str, Any]], work: Path) -> tuple[Path, list[Path]]:
    """The generated mbox, and the same messages one file each (what spamc/rspamc are given)."""
    folder = work / "messages"
    folder.mkdir(parents=True, exist_ok=True)
    box_path = work / "messages.mbox"
    box = mailbox.mbox(box_path, create=True)
    files, now = [], time.time()
    for i, item in enumerate(items):
        data = rfc822(item, now)
        box.add(mailbox.mboxMessage(data))
        path = folder / f"{i:06d}.eml"
        path.write_bytes(data)
        files.append(path)
    box.flush()
    box.close()
    return box_path, files


# ---------------------------------------------------------------- memory

def _tree(roots: list[int]) -> set[int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_bytes()
                parents[int(entry)] = int(stat.rsplit(b")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = set(roots), list(roots)
    while frontier:
        pid = frontier.pop()
        kids = [p for p, parent in parents.items() if parent == pid and p not in found]
        found.update(kids)
        frontier += kids
    return found


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_bytes().splitlines():
            if line.startswith(b"VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


class PeakRss:
    """Samples the summed RSS of some processes and all their descendants (daemons and workers)."""

    def __init__(self, roots: list[int], every: float = 0.1):
        self.roots, self.every, self.peak_kib = roots, every, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_kib = max(self.peak_kib, sum(_rss_kib(p) for p in _tree(self.roots)))
            self._stop.wait(self.every)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def mib(self) -> float:
        """The peak, in MiB as the tables show it."""
        return round(self.peak_kib / 1024, 1)


# ---------------------------------------------------------------- scorers

def score_sincere(files: list[Path], work: Path, model: str | None, records: Path | None = None) -> dict[str, Any]:
    """Run the Sincere worker in its own process (so its memory is its own) and read its scores."""
    out = work / f"sincere-{hashlib.sha1(f'{model}{records}'.encode()).hexdigest()[:8]}.json"
    argv = [sys.executable, str(HERE / "peers.py"), "--worker", str(out)]
    argv += ["--records", str(records)] if records else ["--files", str(files[0].parent)]
    argv += ["--worker-model", model] if model else []
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        raise PeerUnavailable(f"Sincere worker failed (exit {done.returncode}): {done.stderr.strip()[-300:]}")
    return json.loads(out.read_text())


def sincere_worker(out: Path, folder: Path | None, records: Path | None, model: str | None) -> None:
    """In-process: load the model (untimed), then read and score every message (timed)."""
    from detector.engine import Detector
    from detector.reading import eml_record

    detector = Detector.open(model)
    detector.score({"id": "warm", "channel": "email", "body": "warm up"})
    start = time.perf_counter()
    if records:
        source = (json.loads(line) for line in records.read_text(encoding="utf-8").splitlines())
    else:
        source = (eml_record(p) for p in sorted(folder.glob("*.eml")))
    results = list(detector.score_many(source))
    elapsed = time.perf_counter() - start
    out.write_text(json.dumps({
        "scores": [r["score"] if r["verdict"] != "error" else None for r in results],
        "seconds": elapsed,
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "version": detector.model_version,
    }), encoding="utf-8")


def _spamc(path: Path) -> float | None:
    done = subprocess.run(["spamc", "-d", "127.0.0.1", "-p", str(SPAMD_PORT), "-c", "-x"],
                          stdin=path.open("rb"), capture_output=True, text=True)
    try:
        return float(done.stdout.split("/")[0])
    except ValueError:
        return None


def score_spamassassin(files: list[Path], work: Path, workers: int, limit_s: float) -> dict[str, Any]:
    """Score the files through spamc against a fresh spamd, timed after every child has loaded its rules; too
    slow for `limit_s` is reported unavailable, not a partial figure."""
    daemon = start_spamd(workers)
    deadline = time.monotonic() + limit_s

    def check(path: Path) -> float | None:
        return _spamc(path) if time.monotonic() < deadline else math.nan

    try:
        warm = [_spamc(path) for path in files[: 2 * workers]]  # every child loads its rules before timing
        if None in warm:
            raise PeerUnavailable(f"spamd answered no score (see {daemon.log}): "
                                  + daemon.log.read_text(errors="replace").strip()[-200:])
        with PeakRss([daemon.pid]) as rss, ThreadPoolExecutor(workers) as pool:
            start = time.perf_counter()
            scores = list(pool.map(check, files))
            elapsed = time.perf_counter() - start
    finally:
        daemon.stop()
    done = sum(1 for s in scores if s is None or s == s)
    if done < len(files):
        raise PeerUnavailable(f"spamd scored only {done} of {len(files)} messages in the {limit_s:.0f} s allowed "
                              f"({done / elapsed:.1f} msg/s); rerun with fewer messages or a higher --peer-limit")
    return {"scores": scores, "points": True, "seconds": elapsed, "peak_rss_mib": rss.mib,
            "version": version(["spamd", "--version"]), "interface": f"spamc → spamd ({workers} children, {workers} concurrent clients)"}


def _rspamc(files: list[Path], workers: int) -> dict[str, float]:
    done = subprocess.run(["rspamc", "-h", f"127.0.0.1:{RSPAMD_PORT}", "-n", str(workers), "-j", "--compact",
                           *map(str, files)], capture_output=True, text=True)
    scores = {}
    for line in done.stdout.splitlines():
        if line.startswith("{"):
            reply = json.loads(line)
            if "score" in reply and "filename" in reply:
                scores[reply["filename"]] = float(reply["score"])
    return scores


def score_rspamd(files: list[Path], work: Path, workers: int) -> dict[str, Any]:
    """Score the files through rspamc against a fresh rspamd and redis, timed after a warm-up pass."""
    daemons = start_rspamd(workers)
    try:
        _rspamc(files[: 2 * workers], workers)
        with PeakRss([d.pid for d in daemons]) as rss:
            start = time.perf_counter()
            found = _rspamc(files, 2 * workers)
            elapsed = time.perf_counter() - start
    finally:
        for daemon in reversed(daemons):
            daemon.stop()
    return {"scores": [found.get(str(p)) for p in files], "points": True, "seconds": elapsed, "peak_rss_mib": rss.mib,
            "version": version(["rspamd", "--version"]) + "; " + version(["redis-server", "--version"]).split(" sha=")[0],
            "interface": f"rspamc → rspamd ({workers} normal workers, {2 * workers} requests in flight), redis"}


# ---------------------------------------------------------------- figures

def _squash(score: float) -> float:
    """Peer scores (points, any sign) mapped into 0..1 keeping their order, so one metric code serves all."""
    return 1.0 / (1.0 + math.exp(-score / 10.0))


def accuracy(labels: list[str], scores: list[float | None], points: bool,
             keep: list[bool] | None = None) -> dict[str, Any]:
    """ROC-AUC and recall at 1 % FPR of smile against personal; `points`: peer scores squashed into 0..1 first,
    `keep`: only these items, unscored ones counted apart."""
    from sklearn.metrics import roc_auc_score

    from training.metrics import recall_at_fpr

    rows = [(lab, s) for i, (lab, s) in enumerate(zip(labels, scores, strict=True)) if s is not None and (keep is None or keep[i])]
    failed = sum(1 for i, s in enumerate(scores) if s is None and (keep is None or keep[i]))
    y = np.array([lab == "smile" for lab, _ in rows])
    s = np.array([_squash(v) if points else v for _, v in rows])
    if y.all() or not y.any():
        return {"n_smile": int(y.sum()), "n_personal": int((~y).sum()), "unscored": failed,
                "roc_auc": None, "recall_at_1pct_fpr": None}
    return {
        "n_smile": int(y.sum()),
        "n_personal": int((~y).sum()),
        "unscored": failed,
        "roc_auc": round(float(roc_auc_score(y, s)), 4),
        "recall_at_1pct_fpr": round(recall_at_fpr(s[y], s[~y], 0.01)[0], 4),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Score the items with every scorer in a temporary folder (deleted after: it holds message text)."""
    items = load_items(args.corpus, args.smile, args.personal)
    with tempfile.TemporaryDirectory(prefix="sincere-peers-", dir=args.work) as tmp:
        return compare(items, Path(tmp), args.workers, args.model, args.peer_limit)


def compare(items: list[dict[str, Any]], work: Path, workers: int, models: list[list[str]],
            peer_limit: float) -> dict[str, Any]:
    """Write the items as one mbox and score it with every scorer; a peer that will not start is reported
    unavailable and the rest goes on."""
    box, files = write_messages(items, work)
    labels = [item["label"] for item in items]
    email_only = [item["channel"] == "email" for item in items]
    records = work / "records.jsonl"
    records.write_text("".join(json.dumps({k: v for k, v in it.items() if k != "label"}) + "\n" for it in items),
                       encoding="utf-8")
    scorers: list[tuple[str, str, Callable[[], dict[str, Any]], bool]] = [
        ("sincere", "Sincere (fast path)", lambda: dict(score_sincere(files, work, None),
                                                       interface="Detector.score_many, one process"), True),
    ]
    for label, path in models:
        scorers.append((f"sincere:{label}", f"Sincere ({label})",
                        lambda path=path: dict(score_sincere(files, work, path), interface="Detector.score_many, one process"), True))
    scorers += [
        ("rspamd", "rspamd", lambda: score_rspamd(files, work, workers), True),
        ("spamassassin", "SpamAssassin", lambda: score_spamassassin(files, work, workers, peer_limit), True),
        ("sincere_records", "Sincere (fast path) on the contract records",
         lambda: dict(score_sincere(files, work, None, records), interface="Detector.score_many on JSON records"), False),
    ]
    out: dict[str, Any] = {}
    for key, name, scorer, same_bytes in scorers:
        print(f"peers: {name} …", file=sys.stderr, flush=True)
        try:
            got = scorer()
        except PeerUnavailable as exc:
            out[key] = {"name": name, "status": "unavailable", "reason": str(exc)}
            print(f"peers: {name} unavailable: {exc}", file=sys.stderr, flush=True)
            continue
        scores, points = got.pop("scores"), got.pop("points", False)
        out[key] = {
            "name": name, "status": "ok", "same_bytes": same_bytes, **got,
            "seconds": round(got["seconds"], 2),
            "msgs_per_s": round(len(items) / got["seconds"], 1),
            "accuracy": accuracy(labels, scores, points),
            "accuracy_email_only": accuracy(labels, scores, points, email_only),
        }
    base = out.get("sincere", {})
    for entry in out.values():
        if entry.get("status") == "ok" and base.get("status") == "ok":
            entry["sincere_speedup"] = round(base["msgs_per_s"] / entry["msgs_per_s"], 2)
            entry["sincere_memory_ratio"] = (round(base["peak_rss_mib"] / entry["peak_rss_mib"], 2)
                                             if entry["peak_rss_mib"] else None)
    n_smile = labels.count("smile")
    return {"items": {"smile": n_smile, "personal": len(labels) - n_smile, "email": sum(email_only),
                      "mbox_mib": round(box.stat().st_size / 2**20, 2)},
            "workers": workers, "scorers": out}


def fragment(result: dict[str, Any]) -> dict[str, Any]:
    """The renderer's fragment: figures, tables and notes (see benchmarks/render.py)."""
    items, scorers = result["items"], result["scorers"]
    acc_rows, speed_rows = [], []
    for entry in scorers.values():
        if entry["status"] != "ok":
            acc_rows.append([entry["name"], "unavailable: " + entry["reason"], "", "", ""])
            speed_rows.append([entry["name"], "unavailable", "", "", ""])
            continue
        a, e = entry["accuracy"], entry["accuracy_email_only"]
        acc_rows.append([entry["name"], _fmt(a["roc_auc"]), _fmt(a["recall_at_1pct_fpr"]),
                         _fmt(e["roc_auc"]), _fmt(e["recall_at_1pct_fpr"])])
        if entry.get("same_bytes"):
            speed_rows.append([entry["name"], f"{entry['msgs_per_s']:,}", f"{entry['sincere_speedup']}×",
                               f"{entry['peak_rss_mib']:,}", entry["interface"]])
    versions = [f"{e['name']}: {e['version']}" for e in scorers.values() if e.get("status") == "ok"]
    return {
        "benchmark": "peers",
        "title": "Sincere against SpamAssassin and rspamd",
        "data": (f"{items['smile']} smile + {items['personal']} personal messages of the corpus test split "
                 f"({items['email']} of them email), written as one generated mbox ({items['mbox_mib']} MiB) of "
                 f"synthesised RFC 822 messages; every scorer reads the same bytes, {result['workers']} workers for the daemons."),
        "tables": [
            {"caption": "Accuracy, smile (positive) vs personal: same items, same bytes",
             "columns": ["scorer", "ROC-AUC", "recall at 1 % FPR", "ROC-AUC (email only)", "recall at 1 % FPR (email only)"],
             "rows": acc_rows},
            {"caption": "Speed and memory over the mbox (daemon start-up and model load excluded)",
             "columns": ["scorer", "messages/s", "Sincere speed ÷ this", "peak RSS MiB", "interface"],
             "rows": speed_rows},
        ],
        "notes": [
            "Peers run with their Debian default rules, local tests only: spamd -L with Bayes, DNS "
            "blocklists, Razor, Pyzor and DCC off; rspamd with its DNS-, HTTP- and Redis-learning modules "
            "off (" + ", ".join(("rbl", "fuzzy_check", "spf", "dkim", "dmarc", "phishing feeds", "neural", "…")) +
            ") and Bayes not trained. They are spam filters, not smile detectors: this measures what a mail server "
            "already running them would tell apart, not a trained comparison.",
            "Peer scores are points; they are mapped into 0..1 with a logistic that keeps their order (ROC-AUC and "
            "recall at a fixed FPR depend only on the order).",
            "Peak RSS: Sincere is its scoring process (ru_maxrss); peers are the daemon, its worker children "
            "(and redis for rspamd), sampled every 0.1 s.",
            "The synthesised messages carry no Received, DKIM or list headers, so header rules of the peers have "
            "little to go on; the last accuracy row shows what Sincere gains from the full contract record "
            "(channel and recipient profile) instead of the RFC 822 bytes.",
            "Versions: " + "; ".join(versions) + ".",
        ],
        "metrics": result,
    }


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def main() -> None:
    """Compare the scorers on a test-split sample and write the fragment; with --worker, be the Sincere scoring
    process instead."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, help="corpus Parquet from `sincere data build`")
    parser.add_argument("--out", type=Path, help="write the JSON fragment here")
    parser.add_argument("--smile", type=int, default=300, help="smile messages (test split, sampled)")
    parser.add_argument("--personal", type=int, default=400, help="personal messages (test split, sampled)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="daemon workers and clients")
    parser.add_argument("--peer-limit", type=float, default=300,
                        help="seconds a peer may take over the mbox before it is reported too slow")
    parser.add_argument("--model", nargs=2, action="append", default=[], metavar=("LABEL", "BUNDLE"),
                        help="another Sincere bundle to compare (e.g. the transformer path)")
    parser.add_argument("--work", type=Path, default=os.environ.get("SINCERE_BENCH_WORK"),
                        help="where the temporary work folder goes (default: $SINCERE_BENCH_WORK or the system's)")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--files", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--records", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--worker-model", help=argparse.SUPPRESS)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a timeout still stops the daemons (finally)
    if args.worker:
        sincere_worker(args.worker, args.files, args.records, args.worker_model)
        return
    if not args.corpus or not args.corpus.is_file():
        parser.error("--corpus: a corpus Parquet is needed (the peers are compared on its test split)")
    write_fragment(fragment(run(args)), args.out)


if __name__ == "__main__":
    main()
