"""Bad input becomes error rows with a reason; the scan goes on and rows out = messages in.

Damaged mail that clients still display (an unknown charset, a multipart without its boundaries
or its end) is read the way they display it; only what no client could show is an error row.
"""

from __future__ import annotations

import json

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
