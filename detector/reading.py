"""Reading scoring input: JSONL lines (file or stdin) or one RFC 822 file, never losing a line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from detector.engine import BadLine


def iter_jsonl(stream: IO[bytes], source: str) -> Iterator[Any]:
    """One record (or BadLine) per non-blank line; a bad line never stops the rest."""
    for number, raw in enumerate(stream, start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            yield BadLine(f"{source} line {number}: not UTF-8")
            continue
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield BadLine(f"{source} line {number}: invalid JSON ({exc.msg} at column {exc.colno})")
            continue
        yield record if isinstance(record, dict) else BadLine(f"{source} line {number}: not a JSON object")


def eml_record(path: Path) -> dict[str, Any]:
    """The file's bytes as `raw`: the mail reader decodes each part by its own charset."""
    return {"id": path.name, "channel": "email", "raw": path.read_bytes()}
