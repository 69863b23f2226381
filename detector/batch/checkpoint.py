"""A scan's resume state: the `OUT.scan/` folder of numbered Parquet parts and the state file saying
how many are final.

Every part and then the state file are written atomically (temporary file + rename), so after
kill -9 `--resume` skips exactly the messages already in parts: no row is lost or written twice.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from detector.batch.frame import SCHEMA

STATE = "state.json"


def write_atomic(path: Path, write: Callable[[Path], Any]) -> None:
    """Write through a temporary file beside `path`, then rename it into place."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)



class Checkpoint:
    """The `OUT.scan/` folder: numbered Parquet parts and a state file saying how many are final."""

    def __init__(self, out: Path):
        self.folder = out.with_name(out.name + ".scan")
        self.state: dict[str, Any] = {}

    def part(self, number: int) -> Path:
        """Where part `number` (from 1) lives."""
        return self.folder / f"part-{number:06d}.parquet"

    def load(self, identity: dict[str, Any]) -> bool:
        """Pick up a previous run of the same scan; False when there is none to resume."""
        try:
            state = json.loads((self.folder / STATE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        if any(state.get(key) != value for key, value in identity.items()):
            return False
        self.state = state
        return True

    def start(self, identity: dict[str, Any]) -> None:
        """Begin afresh: a new run id, no parts, the owner not yet known."""
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        self.state = {**identity, "run": uuid.uuid4().hex, "owner": None, "indexed": False, "done": 0, "parts": 0,
                      "counts": {}, "from_me": 0}

    def save(self) -> None:
        """Write the state file; what it counts is final."""
        write_atomic(self.folder / STATE, lambda tmp: tmp.write_text(json.dumps(self.state), encoding="utf-8"))

    def add(self, results: pd.DataFrame, table: pa.Table) -> None:
        """Write one frame's results as the next part, then count them in the state."""
        number = self.state["parts"] + 1
        write_atomic(self.part(number), lambda tmp: pq.write_table(table, tmp))
        counts = Counter(self.state["counts"])
        counts.update(results["verdict"].tolist())
        self.state.update(parts=number, done=self.state["done"] + len(results), counts=dict(counts),
                          from_me=self.state["from_me"] + int(results["from_me"].sum()))
        self.save()

    def tables(self, columns: list[str] | None = None) -> Iterator[pa.Table]:
        """The final parts in order, for the output file and the report."""
        for number in range(1, self.state["parts"] + 1):
            yield pq.read_table(self.part(number), columns=columns, schema=SCHEMA)

    def remove(self) -> None:
        """Drop the folder once the output is written."""
        shutil.rmtree(self.folder, ignore_errors=True)
