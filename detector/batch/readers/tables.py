"""CSV, JSONL and Parquet files of contract input records (one message per line/row).

Nested fields (sender, recipient, headers, thread) are objects in JSONL, JSON text in CSV, and
structs or JSON text in Parquet.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from detector.batch.readers.base import Position
from detector.engine import BadLine
from detector.reading import iter_jsonl

NESTED = ("sender", "recipient", "headers", "thread")


def _row(record: Any, source: str, where: str) -> dict[str, Any]:
    if isinstance(record, BadLine):
        return {"id": None, "channel": None, "source": source, "read_error": record.error}
    row = {k: v for k, v in record.items() if v is not None and v != ""}
    for key in NESTED:
        if isinstance(row.get(key), str):
            try:
                row[key] = json.loads(row[key])
            except json.JSONDecodeError:
                return {"id": row.get("id"), "channel": row.get("channel"), "source": source,
                        "read_error": f"{where}: column '{key}' is not valid JSON"}
    return {**row, "source": source}


def read_jsonl(path: Path, position: Position, source: str) -> Iterator[dict[str, Any]]:
    """One row per non-blank line; a line that is not a UTF-8 JSON object becomes an error row."""
    position.total = path.stat().st_size
    with path.open("rb") as stream:
        for record in iter_jsonl(stream, source):
            position.done = stream.tell()
            yield _row(record, source, source)


def read_csv(path: Path, position: Position, source: str) -> Iterator[dict[str, Any]]:
    """One row per CSV record, columns by header name; fields of any size are read (a body can be long)."""
    csv.field_size_limit(sys.maxsize)
    position.total = path.stat().st_size
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as stream:
        reader = csv.DictReader(stream)
        for record in reader:
            position.done = stream.buffer.tell()
            record = {k.strip(): v for k, v in record.items() if isinstance(k, str)}
            yield _row(record, source, f"{source} line {reader.line_num}")


def read_parquet(path: Path, position: Position, source: str) -> Iterator[dict[str, Any]]:
    """One row per Parquet row, read a thousand at a time."""
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(path)
    position.total = parquet.metadata.num_rows
    for batch in parquet.iter_batches(batch_size=1000):
        for record in batch.to_pylist():
            position.done += 1
            yield _row(record, source, f"{source} row {position.done}")
