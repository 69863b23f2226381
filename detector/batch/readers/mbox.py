"""A fast streaming mbox splitter (Gmail Takeout, Thunderbird, mutt): constant memory, one pass.

`mailbox.mbox` builds a table of contents first and re-reads every message; this reads the file
once in large blocks and splits on "From " separator lines that follow a blank line.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator

from detector.batch.readers.base import Position
from detector.batch.readers.mime import email_row

_SEPARATOR = re.compile(rb"From \S*\s+\w{3}\s+\w{3}\s+\d")
_ESCAPED = re.compile(rb">+From ")


def read(path: Path, position: Position, source: str) -> Iterator[dict[str, Any]]:
    position.total = path.stat().st_size
    lines: list[bytes] = []
    count, previous_blank = 0, True
    with path.open("rb", buffering=1 << 20) as stream:
        for line in stream:
            if previous_blank and line.startswith(b"From ") and _SEPARATOR.match(line):
                if lines:
                    yield email_row(b"".join(lines), f"{source}#{count}", source, at_end_of_file=False)
                    count += 1
                lines = []
                position.done += len(line)
                previous_blank = False
                continue
            position.done += len(line)
            previous_blank = line in (b"\n", b"\r\n")
            if line.startswith(b">") and _ESCAPED.match(line):
                line = line[1:]
            lines.append(line)
        if lines:
            data = b"".join(lines)
            if count == 0 and not data.strip():
                return
            yield email_row(data, f"{source}#{count}", source, at_end_of_file=True)
