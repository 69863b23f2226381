"""Fuzz of the one mail reader: generated MIME trees and mutated real-looking messages, never a crash.

Two sources of raw messages, all generated here (no third-party mail):
- Hypothesis-built MIME trees: nested multipart/mixed|alternative|related, text/plain and text/html
  leaves in declared, undeclared, unknown and garbled (`3D"utf-8"`) charsets, 7bit/8bit/
  quoted-printable/base64/bogus transfer encodings, RFC 2047 and raw 8-bit headers, boundaries
  dropped or unterminated;
- mutations of real-looking messages (outreach, newsletters with HTML parts, Latin-1 and Shift-JIS
  notes): truncation, deleted or duplicated lines, flipped and inserted bytes, thousands of header
  lines, deep markup, `charset=` in bodies, CRLF line ends.

Every case goes through `detector.message.from_record` (rfc822.parse, HTML to text, quote split:
what `sincere score`, `sincere scan`, the API and training use), timed one by one. A crash is any
exception other than the reader's own InvalidMessage / UndecodableMessage (which become error rows).
Then the first --scan-cases of them (half from each source), one .eml file each, go through
`sincere scan`'s code path (readers, frames, both passes, the model): rows out must equal messages in.

    python benchmarks/mail_fuzz.py --cases 12000 --scan-cases 2000 --out mail_fuzz.json
"""

from __future__ import annotations

import argparse
import base64
import os
import quopri
import random
import statistics
import time
import traceback
from collections import Counter
from email.header import Header
from pathlib import Path
from tempfile import TemporaryDirectory

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from render import write_fragment

from detector.message import InvalidMessage, from_record
from detector.parsing.rfc822 import UndecodableMessage

CHARSETS = ["utf-8", "iso-8859-1", "windows-1252", "shift_jis", "euc-jp", "koi8-r", "gb2312", "us-ascii",
            '3D"utf-8"', "x-no-such-charset", "", "unknown-8bit", "utf8", '"iso-8859-1"']
ENCODINGS = ["7bit", "8bit", "quoted-printable", "base64", "binary", "x-bogus"]
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=400)


def _encode_body(text: str, charset: str, encoding: str) -> bytes:
    codec = charset.strip('"').removeprefix("3D").strip('"') or "utf-8"
    try:
        data = text.encode(codec, errors="replace")
    except LookupError:
        data = text.encode("utf-8")
    if encoding == "quoted-printable":
        return quopri.encodestring(data)
    if encoding == "base64":
        return base64.encodebytes(data)
    return data


@st.composite
def _leaf(draw) -> bytes:
    kind = draw(st.sampled_from(["text/plain", "text/html", "application/octet-stream"]))
    charset, encoding = draw(st.sampled_from(CHARSETS)), draw(st.sampled_from(ENCODINGS))
    text = draw(TEXT)
    if kind == "text/html":
        depth = draw(st.integers(0, 400))
        text = "<div>" * depth + f"<p>{text}</p><a href='https://x.example/{depth}'>l</a>" + "</div>" * draw(st.integers(0, depth))
    param = f"; charset={charset}" if charset else ""
    disposition = "Content-Disposition: attachment\n" if draw(st.booleans()) and kind != "text/plain" else ""
    head = f"Content-Type: {kind}{param}\nContent-Transfer-Encoding: {encoding}\n{disposition}\n".encode()
    return head + _encode_body(text, charset, encoding)


def _tree(depth: int = 0):
    if depth >= 3:
        return _leaf()
    return st.one_of(_leaf(), _multipart(depth))


@st.composite
def _multipart(draw, depth: int) -> bytes:
    subtype = draw(st.sampled_from(["mixed", "alternative", "related"]))
    boundary = draw(st.sampled_from(["b1", "==_x", "a b", f"lvl{depth}"]))
    parts = draw(st.lists(_tree(depth + 1), min_size=0, max_size=4))
    body = b"".join(b"--" + boundary.encode() + b"\n" + part + b"\n" for part in parts)
    ending = draw(st.sampled_from(["closed", "unterminated", "no boundary"]))
    if ending == "closed":
        body += b"--" + boundary.encode() + b"--\n"
    elif ending == "no boundary":
        body = body.replace(b"--" + boundary.encode(), b"")
    return f'Content-Type: multipart/{subtype}; boundary="{boundary}"\n\n'.encode() + body


@st.composite
def _message(draw) -> bytes:
    subject = draw(TEXT)
    subject_header = draw(st.sampled_from(["rfc2047", "raw", "plain"]))
    if subject_header == "rfc2047":
        charset = draw(st.sampled_from(["utf-8", "iso-8859-1", "shift_jis"]))
        try:
            subject_value = Header(subject, charset).encode()
        except UnicodeError:  # not writable in that charset: UTF-8 words, as mail software falls back to
            subject_value = Header(subject, "utf-8").encode()
    elif subject_header == "raw":
        subject_value = subject.encode("utf-8", errors="replace").decode("latin-1")
    else:
        subject_value = subject.encode("ascii", errors="replace").decode()
    headers = [f"From: {draw(TEXT)[:40]} <a@example.org>", "To: Dana <dana@example.com>",
               f"Subject: {subject_value}".replace("\n", " ").replace("\r", " ")]
    headers += [f"X-Extra-{i}: {draw(TEXT)[:30]}".replace("\n", " ") for i in range(draw(st.integers(0, 5)))]
    head = "\n".join(headers).encode("latin-1", errors="replace") + b"\nMIME-Version: 1.0\n"
    return head + draw(_tree())


OUTREACH = ("Hi Dana,\n\nI came across Northwind Labs and was really impressed by what you're building. We help teams "
            "like yours cut churn by 30% in 90 days. Would you be open to a quick 15-minute call next week?\n\nBest,\nAlex")
NEWSLETTER_HTML = ("<html><head><style>p{color:red}</style></head><body><table><tr><td><h1>Winter update</h1>"
                   "<p>Three new integrations &amp; a pricing update.</p><a href='https://news.example.com/u/1'>"
                   "Unsubscribe</a><img src='https://t.example.com/p.gif' width=1 height=1></td></tr></table></body></html>")


def base_messages() -> list[bytes]:
    """Real-looking messages, in the shapes mail clients and list software write."""
    plain = (b"From: Alex Sales <alex@vendor.example>\nTo: Dana Whitfield <dana@example.com>\nSubject: Quick question\n"
             b"Date: Mon, 01 Jan 2024 10:00:00 +0000\nContent-Type: text/plain; charset=utf-8\n\n" + OUTREACH.encode() + b"\n")
    alternative = (b"From: News <news@example.com>\nTo: dana@example.com\nSubject: =?utf-8?q?Winter_update_=E2=9D=84?=\n"
                   b"MIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=\"ALT\"\n\n--ALT\n"
                   b"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n"
                   + quopri.encodestring("Winter update ❄ three new integrations".encode()) + b"\n--ALT\n"
                   b"Content-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n"
                   + quopri.encodestring(('<meta charset="utf-8">' + NEWSLETTER_HTML).encode()) + b"\n--ALT--\n")
    latin1 = (b"From: =?iso-8859-1?q?Ren=E9?= <rene@example.fr>\nTo: Dana <dana@example.com>\nSubject: R\xe9union\n"
              b"Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: 8bit\n\n"
              + "Chère Dana, la réunion est déplacée au café. À bientôt".encode("latin-1") + b"\n")
    japanese = (b"From: Tanaka <tanaka@example.jp>\nTo: Dana <dana@example.com>\nSubject: =?iso-2022-jp?b?GyRCMnFEOxsoQg==?=\n"
                b"Content-Type: text/plain; charset=shift_jis\nContent-Transfer-Encoding: 8bit\n\n"
                + "ダナさん、明日の会議は午後三時からです。".encode("shift_jis") + b"\n")
    mixed = (b"From: Sam <sam@example.org>\nTo: Dana <dana@example.com>\nSubject: Re: slides\nIn-Reply-To: <1@x>\n"
             b"Content-Type: multipart/mixed; boundary=\"M\"\n\n--M\nContent-Type: text/plain\n\nSlides attached.\n\n"
             b"On Mon, Dana wrote:\n> can you send them?\n--M\nContent-Type: application/pdf\nContent-Transfer-Encoding: base64\n"
             b"Content-Disposition: attachment; filename=s.pdf\n\n" + base64.encodebytes(os.urandom(300)) + b"--M--\n")
    return [plain, alternative, latin1, japanese, mixed]


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One to four random edits of the kinds real archives and hostile senders produce."""
    for _ in range(rng.randint(1, 4)):
        edit = rng.randrange(10)
        lines = data.split(b"\n")
        if edit == 0 and data:
            data = data[:rng.randrange(len(data))]  # truncated
        elif edit == 1 and len(lines) > 1:
            del lines[rng.randrange(len(lines))]  # a line lost (a boundary, the blank line, a header)
            data = b"\n".join(lines)
        elif edit == 2:
            i = rng.randrange(len(lines))
            lines[i:i] = [lines[i]] * rng.randint(2, 50)
            data = b"\n".join(lines)
        elif edit == 3 and data:
            position = rng.randrange(len(data))
            data = data[:position] + bytes([rng.randrange(256)]) + data[position + 1:]
        elif edit == 4:
            position = rng.randrange(len(data) + 1)
            data = data[:position] + bytes(rng.randrange(128, 256) for _ in range(rng.randint(1, 20))) + data[position:]
        elif edit == 5:
            data = b"".join(b"X-Trace-%d: hop\n" % i for i in range(rng.choices([100, 2_000, 30_000], weights=[6, 3, 1])[0])) + data
        elif edit == 6:
            depth = rng.choices([50, 2_000, 30_000], weights=[6, 3, 1])[0]
            data += b"\n" + b"<div>" * depth + b"deep" + b"</div>" * rng.randrange(depth)
        elif edit == 7:
            data = data.replace(b"\n\n", b"\n\ncharset=" + rng.choice([b"3D\"utf-8\"", b"x-junk", b"\xff\xfe"]) + b" ", 1)
        elif edit == 8:
            data = data.replace(b"\n", b"\r\n")
        else:
            data = data.replace(b"charset=", rng.choice([b"charset=3D", b"charset=\"", b"charset=x-", b"charset= "]), 1)
    return data


def _hypothesis_cases(n: int) -> list[bytes]:
    found: list[bytes] = []

    @given(_message())
    @settings(max_examples=n, deadline=None, database=None, derandomize=True, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    def collect(raw: bytes) -> None:
        found.append(raw)

    collect()
    return found


def _mutated_cases(n: int, seed: int = 19) -> list[bytes]:
    rng, bases = random.Random(seed), base_messages()
    return [mutate(rng.choice(bases), rng) for _ in range(n)]


def read_all(cases: list[bytes]) -> dict:
    """Each case through the one mail reader, timed; crashes are any other exception."""
    times, errors, crashes = [], Counter(), []
    for i, raw in enumerate(cases):
        started = time.perf_counter()
        try:
            from_record({"id": str(i), "channel": "email", "raw": raw})
        except (InvalidMessage, UndecodableMessage) as exc:
            errors[str(exc)] += 1
        except Exception:  # noqa: BLE001 - a crash is what this benchmark counts
            crashes.append((i, traceback.format_exc(limit=3)))
        times.append(time.perf_counter() - started)
    slowest = max(range(len(times)), key=times.__getitem__)
    return {"cases": len(cases), "read": len(cases) - sum(errors.values()) - len(crashes),
            "error_rows": sum(errors.values()), "crashes": len(crashes),
            "median_ms": round(statistics.median(times) * 1000, 3),
            "p99_ms": round(sorted(times)[int(0.99 * (len(times) - 1))] * 1000, 2),
            "slowest_ms": round(times[slowest] * 1000, 1), "slowest_bytes": len(cases[slowest]),
            "total_s": round(sum(times), 1), "top_errors": dict(errors.most_common(5)),
            "first_crashes": [trace for _, trace in crashes[:3]]}


def scan_all(cases: list[bytes], work: str | None) -> dict:
    """Every case as one .eml file through `sincere scan`'s code path: rows out = messages in."""
    from detector.batch.scan import ScanOptions, scan

    with TemporaryDirectory(dir=work) as tmp:
        folder = Path(tmp) / "mail"
        folder.mkdir()
        for i, raw in enumerate(cases):
            (folder / f"{i:06d}.eml").write_bytes(raw)
        started = time.perf_counter()
        summary = scan(ScanOptions(path=folder, out=Path(tmp) / "results.parquet", fmt="eml"))
        seconds = time.perf_counter() - started
    return {"messages_in": len(cases), "rows_out": summary.total, "error_rows": summary.errors,
            "seconds": round(seconds, 1), "msgs_per_s": round(len(cases) / seconds, 1)}


def main() -> None:
    """Read every generated case through the mail reader, scan a sample through `sincere scan`'s code path, and
    write the fragment with the crash count."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=12_000, help="cases in all, half from each source")
    parser.add_argument("--out", type=Path, help="JSON fragment for benchmarks/render.py")
    parser.add_argument("--scan-cases", type=int, default=2_000,
                        help="of them, through the whole scan path (the model too: ~20 messages/s on a busy core); 0 skips it")
    args = parser.parse_args()
    load_at_start = " ".join(f"{x:.2f}" for x in os.getloadavg())
    sources = {"Hypothesis MIME trees": _hypothesis_cases(args.cases // 2),
               "mutated real-looking messages": _mutated_cases(args.cases - args.cases // 2)}
    read = {name: read_all(cases) for name, cases in sources.items()}
    everything = [raw for cases in sources.values() for raw in cases]
    half = args.scan_cases // 2
    sample = [raw for cases in sources.values() for raw in cases[:half]]  # the same share of each source
    scanned = scan_all(sample, os.environ.get("SINCERE_BENCH_WORK")) if sample else None
    crashes = sum(r["crashes"] for r in read.values())
    tables = [{"caption": "The one mail reader (`from_record` of `raw` bytes), one case at a time",
               "columns": ["source", "cases", "read", "error rows", "crashes", "median ms", "p99 ms", "slowest ms",
                           "slowest case bytes"],
               "rows": [[name, r["cases"], r["read"], r["error_rows"], r["crashes"], r["median_ms"], r["p99_ms"],
                         r["slowest_ms"], r["slowest_bytes"]] for name, r in read.items()]}]
    if scanned:
        tables.append({"caption": f"`sincere scan` code path: the first {len(sample):,} cases (half from each source), "
                                  "one .eml file each (both passes, the model)",
                       "columns": ["messages in", "rows out", "error rows", "seconds", "messages/s"],
                       "rows": [[scanned["messages_in"], scanned["rows_out"], scanned["error_rows"], scanned["seconds"],
                                 scanned["msgs_per_s"]]]})
    write_fragment({
        "benchmark": "mail_fuzz",
        "title": "Mail reader fuzz",
        "data": f"{len(everything):,} generated raw messages: {len(sources['Hypothesis MIME trees']):,} Hypothesis MIME "
                f"trees and {len(sources['mutated real-looking messages']):,} mutations of 5 real-looking messages "
                "(no third-party mail)",
        "tables": tables,
        "notes": [f"Crashes (exceptions other than the reader's own error): {crashes}; target 0.",
                  "Error rows are messages no mail client could show either (binary data, no headers, no text); "
                  "most common: " + "; ".join(f"{k} ({v:,})" for r in read.values() for k, v in r["top_errors"].items()),
                  f"Load average (1, 5, 15 min) at start: {load_at_start}; at end: "
                  + " ".join(f"{x:.2f}" for x in os.getloadavg()) + "."],
        "metrics": {"reader": read, "scan": scanned, "crashes": crashes},
    }, args.out)


if __name__ == "__main__":
    main()
