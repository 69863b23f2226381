"""Bad input becomes error rows with a reason; the scan goes on and rows out = messages in.

Damaged mail that clients still display (an unknown charset, a multipart without its boundaries
or its end) is read the way they display it; only what no client could show is an error row.
"""

from __future__ import annotations

import json

import pytest
from batch_exports import OUTREACH, PERSONAL, email, mbox_entry

from detector.batch.scan import ScanOptions, scan

BROKEN_MIME = ('From: a@b.example\nTo: dana@example.com\nSubject: x\nMIME-Version: 1.0\n'
               'Content-Type: multipart/alternative; boundary="XYZ"\n\nno parts here at all\n')
TRUNCATED = ('From: a@b.example\nTo: dana@example.com\nSubject: cut\nContent-Type: multipart/mixed; boundary="B1"\n\n'
             '--B1\nContent-Type: text/plain\n\nHi Dana, I came across your profile and')


def test_bad_messages_in_an_mbox_are_error_rows_and_damaged_ones_are_read(tmp_path):
    mbox = tmp_path / "bad.mbox"
    parts = [
        mbox_entry(0, email(0, PERSONAL)),
        mbox_entry(1, email(1, OUTREACH, charset="x-no-such-charset")),
        mbox_entry(2, BROKEN_MIME),
        mbox_entry(3, "\x00\x01\x02binary\x00junk\xff\n\n\x00more\n"),
        mbox_entry(4, "From: a@b.example\nTo: dana@example.com\n\n\n"),  # nothing to score: the engine says so
        mbox_entry(5, email(5, OUTREACH)),
        f"From 1706@xxx Mon Jan 01 10:00:00 +0000 2024\n{TRUNCATED}",
    ]
    mbox.write_bytes("".join(parts).encode("utf-8", "surrogateescape"))
    out = tmp_path / "r.jsonl"
    summary = scan(ScanOptions(path=mbox, out=out, report=tmp_path / "report.html"))
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == summary.total == 7
    errors = {r["id"]: r["error"] for r in rows if r["verdict"] == "error"}
    assert errors == {
        "bad.mbox#3": "binary data, not an e-mail message",
        "bad.mbox#4": "the message has no text to score",
    }
    assert summary.errors == 2 and rows[0]["verdict"] == "personal" and rows[5]["verdict"] == "smile"
    # unknown charset, no boundary in the body, cut off mid-part: scored on the text that is there
    assert rows[1]["verdict"] == "smile" and rows[2]["verdict"] != "error" and rows[6]["verdict"] != "error"
    report = (tmp_path / "report.html").read_text()
    assert "2 messages could not be scored" in report and "binary data, not an e-mail message" in report
    assert "Hi Dana, I came across" not in report  # the report never shows message text


def test_last_message_without_closing_boundary_is_read_as_clients_show_it(tmp_path):
    mbox = tmp_path / "cut.mbox"
    mbox.write_text(mbox_entry(0, email(0, PERSONAL)) + mbox_entry(1, TRUNCATED + "\n"))
    out = tmp_path / "r.jsonl"
    scan(ScanOptions(path=mbox, out=out))
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["error"] for r in rows] == [None, None]
    assert rows[1]["verdict"] == "smile"  # "I came across your profile" is there to be scored


def test_unreadable_files_and_junk_in_a_folder(tmp_path):
    folder = tmp_path / "mail"
    folder.mkdir()
    (folder / "a.eml").write_text(email(1, PERSONAL))
    (folder / "b.eml").symlink_to(tmp_path / "gone.eml")  # unreadable: points nowhere
    (folder / "c.eml").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (folder / "d.eml").write_bytes(b"")
    out = tmp_path / "r.jsonl"
    summary = scan(ScanOptions(path=folder, out=out))
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == ["a.eml", "b.eml", "c.eml", "d.eml"]
    assert [r["error"] for r in rows] == [None, "cannot read file (No such file or directory)",
                                          "binary data, not an e-mail message", "empty message"]
    assert summary.total == 4 and summary.errors == 3


SECRET = "Tangerine-Quokka-4471"
"""Text of the messages below that no error row, report or stderr line may repeat."""


def _sometimes_failing(original, marker: str, failure: BaseException):
    def split(text, *args, **kwargs):
        if marker in text:
            raise failure
        return original(text, *args, **kwargs)
    return split


def test_an_unexpected_failure_is_that_message_s_error_row_and_the_scan_goes_on(tmp_path, monkeypatch):
    from detector import message as message_module

    monkeypatch.setattr(message_module.quotes, "split", _sometimes_failing(
        message_module.quotes.split, "EXPLODE", RuntimeError(f"cannot split {SECRET}")))
    mbox = tmp_path / "inbox.mbox"
    mbox.write_text(mbox_entry(0, email(0, PERSONAL)) + mbox_entry(1, email(1, f"EXPLODE {SECRET}"))
                    + mbox_entry(2, email(2, OUTREACH)))
    out = tmp_path / "r.jsonl"
    summary = scan(ScanOptions(path=mbox, out=out, report=tmp_path / "report.html"))
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["error"] for r in rows] == [None, "unexpected failure reading the message (RuntimeError)", None]
    assert summary.total == 3 and rows[2]["verdict"] == "smile"
    assert SECRET not in out.read_text() and SECRET not in (tmp_path / "report.html").read_text()


def test_a_message_over_the_parse_budget_is_an_error_row(tmp_path, monkeypatch):
    import time

    from detector.batch import frame
    from detector.message import html_text

    def slow(markup):
        time.sleep(0.3)
        return real(markup)

    real = html_text.to_text
    monkeypatch.setattr(html_text, "to_text", slow)
    monkeypatch.setattr(frame, "PARSE_BUDGET_S", 0.2)
    html = email(1, "<p>Hi</p>").replace("text/plain", "text/html")
    mbox = tmp_path / "inbox.mbox"
    mbox.write_text(mbox_entry(0, email(0, PERSONAL)) + mbox_entry(1, html))
    out = tmp_path / "r.jsonl"
    scan(ScanOptions(path=mbox, out=out))
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["error"] for r in rows] == [None, "too expensive to parse (over 0.2 s)"]


def test_resume_after_the_tool_failed_keeps_the_error_rows_and_finishes(tmp_path, monkeypatch):
    from detector import message as message_module
    from detector.batch.checkpoint import Checkpoint

    monkeypatch.setattr(message_module.quotes, "split", _sometimes_failing(
        message_module.quotes.split, "EXPLODE", ValueError(SECRET)))
    mbox = tmp_path / "inbox.mbox"
    mbox.write_text("".join(mbox_entry(i, email(i, f"EXPLODE {SECRET}" if i == 1 else PERSONAL)) for i in range(6)))
    out = tmp_path / "r.jsonl"
    real_add, parts = Checkpoint.add, []

    def add_then_fail(self, results, table):
        if len(parts) == 2:
            raise OSError("disk full")  # the tool fails after two checkpoints
        parts.append(len(results))
        real_add(self, results, table)

    monkeypatch.setattr(Checkpoint, "add", add_then_fail)
    with pytest.raises(OSError):
        scan(ScanOptions(path=mbox, out=out, every=2))
    monkeypatch.setattr(Checkpoint, "add", real_add)
    summary = scan(ScanOptions(path=mbox, out=out, every=2, resume=True))
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert summary.resumed_at == 4 and [r["id"] for r in rows] == [f"inbox.mbox#{i}" for i in range(6)]
    assert [r["verdict"] == "error" for r in rows] == [False, True, False, False, False, False]


def test_a_crash_of_the_tool_is_one_line_and_exit_3(tmp_path, monkeypatch, capsys):
    import sys

    from detector import cli
    from detector.batch import scan as scan_module

    def crash(*args, **kwargs):
        raise KeyError(SECRET)

    monkeypatch.setattr(scan_module, "scan", crash)
    mbox = tmp_path / "inbox.mbox"
    mbox.write_text(mbox_entry(0, email(0, PERSONAL)))
    monkeypatch.setattr(sys, "argv", ["sincere", "scan", str(mbox), "--out", str(tmp_path / "r.jsonl")])
    with pytest.raises(SystemExit) as exited:
        cli.main()
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]  # the bar leaves a blank line
    assert exited.value.code == 3 and len(lines) == 1
    assert lines[0].startswith("error: sincere stopped on an internal failure (KeyError)") and SECRET not in lines[0]
