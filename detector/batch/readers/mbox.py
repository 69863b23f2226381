"""A fast streaming mbox splitter: constant memory, one pass, every mbox dialect in one rule.

`mailbox.mbox` builds a table of contents first and re-reads every message; this reads the file
once in large blocks. A separator is a line `From <anything> <weekday> <month> <day> <hh:mm>`,
which covers mboxo/mboxrd (Gmail Takeout, Thunderbird, mutt: `From sender date`), Mailman
pipermail and HyperKitty exports (`From andy at example.com  Sat Nov 14 10:00:00 2009`) and
messages without a body or a blank line after it. `>From ` lines are unquoted (mboxrd), and a
Content-Length header (mboxcl) keeps separator-like lines inside its body from splitting it.
Lines that begin with `From ` are counted: when they differ from the messages read, the reader
leaves a note (counts only) for the scan's summary.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from detector.batch.readers.base import Position
from detector.batch.readers.mime import email_row

_SEPARATOR = re.compile(rb"From \S[^\r\n]{0,200}?\s(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),?\s+"
                        rb"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s+\d{1,2}\s+\d{1,2}:\d{2}")
_ESCAPED = re.compile(rb">+From ")
_CONTENT_LENGTH = re.compile(rb"Content-Length:\s*(\d{1,12})\s*$", re.IGNORECASE)


class _Message:
    """The lines of the message being read, and where its Content-Length says its body ends."""

    def __init__(self) -> None:
        self.lines: list[bytes] = []
        self.size = 0
        self.in_headers = True
        self.body_end: int | None = None

    def add(self, line: bytes) -> None:
        if self.in_headers:
            if line in (b"\n", b"\r\n"):
                self.in_headers = False
                if self.body_end is not None:
                    self.body_end += self.size + len(line)
            elif (length := _CONTENT_LENGTH.match(line)) is not None:
                self.body_end = int(length.group(1))
        self.lines.append(line)
        self.size += len(line)

    def inside_declared_body(self) -> bool:
        return not self.in_headers and self.body_end is not None and self.size < self.body_end


def read(path: Path, position: Position, source: str) -> Iterator[dict[str, Any]]:
    """One row per message, ids `source#N` from 0; progress is counted in bytes."""
    position.total = path.stat().st_size
    message, count, from_lines, separated = _Message(), 0, 0, False
    with path.open("rb", buffering=1 << 20) as stream:
        for line in stream:
            position.done += len(line)
            if line.startswith(b"From "):
                from_lines += 1
                if _SEPARATOR.match(line) and not message.inside_declared_body():
                    data = b"".join(message.lines)
                    if separated or data.strip():  # not the blank lines before the first separator
                        yield email_row(data, f"{source}#{count}", source)
                        count += 1
                    message, separated = _Message(), True
                    continue
            if line.startswith(b">") and _ESCAPED.match(line):
                line = line[1:]
            message.add(line)
    data = b"".join(message.lines)
    if separated or data.strip():
        yield email_row(data, f"{source}#{count}", source)
        count += 1
    if from_lines != count:
        position.notes.append(f"{source}: {from_lines:,} lines begin with 'From ' but {count:,} messages were read "
                              "(separators need a date; other mail tools may split this file differently)")
