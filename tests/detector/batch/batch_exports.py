"""Export fixtures for the scan tests, generated per test: each format in the shape its exporter writes."""

from __future__ import annotations

import json
from pathlib import Path

OWNER = "Dana Whitfield <dana@example.com>"
OUTREACH = ("Hi Dana,\n\nI came across Northwind Labs and was really impressed by what you're building. We help "
            "teams like yours cut churn by 30% in 90 days. Would you be open to a quick 15-minute call next week?\n\n"
            "Best,\nAlex")
PERSONAL = ("Dana, the venue moved the keynote to 2pm, so we can still grab lunch with Ted before. I'll bring the "
            "proofs of chapter 4 you asked about.")


def email(i: int, body: str = OUTREACH, *, sender: str = "Alex Sales <alex@vendor.example>",
          headers: str = "", charset: str = "utf-8") -> str:
    return (f"From: {sender}\nTo: Dana Whitfield <dana@example.com>\nSubject: Note {i}\n"
            f"Date: Mon, {1 + i % 28:02d} Jan 2024 10:00:00 +0000\nMessage-ID: <{i}@vendor.example>\n{headers}"
            f"Content-Type: text/plain; charset={charset}\n\n{body}\n")


def mbox_entry(i: int, message: str) -> str:
    return f"From {1700 + i}@xxx Mon Jan 01 10:00:00 +0000 2024\n{message}\n"


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def mbox_with_threads(folder: Path, n: int, name: str = "inbox.mbox") -> Path:
    """An mbox of `n` messages, personal and outreach in turn, with Gmail thread ids and labels."""
    path = folder / name
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            body = (OUTREACH if i % 2 else PERSONAL) + ("\nFrom here on, a line an mbox must escape." if i == 0 else "")
            gmail = f'X-GM-THRID: {9000 + i // 2}\nX-GM-LABELS: Inbox,"Work, clients"\n'
            out.write(mbox_entry(i, email(i, body.replace("\nFrom ", "\n>From "), headers=gmail)))
    return path
