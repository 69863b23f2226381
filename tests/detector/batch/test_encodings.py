"""Real mail in 8-bit charsets, in every mail format `sincere scan` and `sincere score` read: rows out =
messages in, exit 0, text decoded by each part's own charset. Before the one mail reader, one Latin-1
body ended a scan with `UnicodeEncodeError ... surrogates not allowed` under pandas 3.

This file also runs in CI's second venv with pandas<3 (base + batch extras only): keep it free of
other extras' imports.
"""

from __future__ import annotations

import json
from email.header import Header
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from detector.batch import readers
from detector.batch.readers.base import Position
from detector.cli import app
from detector.message import from_record

OWNER = "Dana Whitfield <dana@example.com>"
SENDER = "Ren\u00e9 Fa\u00e7ade"
MESSAGES = [  # (charset, subject, body): the body as 8-bit bytes in that charset, the subject in RFC 2047
    ("iso-8859-1", "R\u00e9union \u00e0 Z\u00fcrich",
     "Ch\u00e8re Dana, la r\u00e9union de jeudi est d\u00e9plac\u00e9e au caf\u00e9 pr\u00e8s de la gare. \u00c0 bient\u00f4t, Ren\u00e9"),
    ("windows-1252", "\u201cQuarterly\u201d plan \u2014 \u20ac budget",
     "Dana \u2014 the \u201cquarterly\u201d plan is attached; the \u20ac40 budget for the na\u00efve test stands. Thanks, Zo\u00eb"),
    ("shift_jis", "\u4f1a\u8b70\u306e\u304a\u77e5\u3089\u305b",
     "\u30c0\u30ca\u3055\u3093\u3001\u660e\u65e5\u306e\u4f1a\u8b70\u306f\u5348\u5f8c\u4e09\u6642\u304b\u3089\u3067\u3059\u3002"
     "\u8cc7\u6599\u3092\u6301\u3063\u3066\u304d\u3066\u304f\u3060\u3055\u3044\u3002\u7530\u4e2d"),
    (None, "Caf\u00e9 tomorrow?",  # no charset declared at all: the reader detects it
     "Dana, caf\u00e9 tomorrow at ten? The cr\u00e8me br\u00fbl\u00e9e place near the station, not the other one."),
]


def message(i: int) -> bytes:
    charset, subject, body = MESSAGES[i]
    codec = charset or "latin-1"
    content_type = f"text/plain; charset={charset}" if charset else "text/plain"
    head = (f"From: {Header(SENDER, 'iso-8859-1').encode()} <rene{i}@example.org>\n"
            f"To: {OWNER}\nSubject: {Header(subject, 'utf-8').encode()}\nDate: Mon, 0{i + 1} Jan 2024 10:00:00 +0000\n"
            f"MIME-Version: 1.0\nContent-Type: {content_type}\nContent-Transfer-Encoding: 8bit\n\n")
    return head.encode("ascii") + body.encode(codec) + b"\n"


def write_eml_folder(root: Path) -> Path:
    root.mkdir()
    for i in range(len(MESSAGES)):
        (root / f"m{i}.eml").write_bytes(message(i))
    return root


def write_mbox(root: Path) -> Path:
    path = root / "inbox.mbox"
    path.write_bytes(b"".join(b"From rene%d@example.org Mon Jan 01 10:00:00 2024\n" % i + message(i) + b"\n"
                              for i in range(len(MESSAGES))))
    return path


def write_maildir(root: Path) -> Path:
    for sub in ("cur", "new", "tmp"):
        (root / "Mail" / sub).mkdir(parents=True)
    for i in range(len(MESSAGES)):
        (root / "Mail" / "cur" / f"17000000{i}.M1P1.host:2,S").write_bytes(message(i))
    return root / "Mail"


WRITERS = {"eml": write_eml_folder, "mbox": write_mbox, "maildir": write_maildir}


@pytest.mark.parametrize("fmt", list(WRITERS))
def test_every_reader_decodes_each_part_by_its_charset(tmp_path, fmt):
    path = WRITERS[fmt](tmp_path / "in" if fmt == "eml" else tmp_path)
    rows = list(readers.read(fmt, path, Position()))
    assert len(rows) == len(MESSAGES)
    for row, (_, subject, body) in zip(rows, MESSAGES, strict=True):
        assert isinstance(row["raw"], bytes) and "read_error" not in row
        assert row["sender"]["name"] == SENDER
        parsed = from_record({k: row[k] for k in ("id", "channel", "raw")})
        assert parsed.subject == subject and parsed.body == body


@pytest.mark.parametrize("fmt", list(WRITERS))
@pytest.mark.parametrize("suffix", [".parquet", ".jsonl"])
def test_scan_exits_0_with_one_row_per_message(tmp_path, fmt, suffix):
    path = WRITERS[fmt](tmp_path / "in" if fmt == "eml" else tmp_path)
    out = tmp_path / f"results{suffix}"
    done = CliRunner().invoke(app, ["scan", str(path), "--out", str(out), "--me", OWNER])
    assert done.exit_code == 0, done.output
    rows = pd.read_parquet(out).to_dict("records") if suffix == ".parquet" else [
        json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == len(MESSAGES) and all(r["verdict"] != "error" for r in rows)
    assert all(r["sender"].startswith(f"{SENDER} <rene") for r in rows)


def test_score_reads_an_eight_bit_eml_file(tmp_path):
    path = tmp_path / "latin1.eml"
    path.write_bytes(message(0))
    done = CliRunner().invoke(app, ["score", str(path), "--jsonl"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["verdict"] != "error"
