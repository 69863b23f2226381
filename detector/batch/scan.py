"""`sincere scan` orchestration: read → frames → runner (this process or Dask) → checkpointed parts
(detector.batch.checkpoint, every `every` messages) → output and report. The output file appears,
atomically, only when the scan completes.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, Protocol

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from detector.batch import readers
from detector.batch.checkpoint import Checkpoint, write_atomic
from detector.batch.frame import NESTED, SCHEMA, fingerprint_frame, score_frame, to_table
from detector.batch.owner import SAMPLE, Owner, infer
from detector.batch.readers.base import Position
from detector.campaigns.stores import open_campaign_store
from detector.campaigns.stores.contract import CampaignStore
from detector.engine import Detector
from detector.sender_rules import SenderRules

Progress = Callable[[str, int, int, Position], None]
"""on_progress(phase, messages done, of which by this run, reader position)."""

OUTPUT_FORMATS = (".parquet", ".csv", ".jsonl")


class Source(Protocol):
    """What a scan reads: the rows, and what names the input so that --resume picks up only the same one."""

    fmt: str

    def identity(self) -> dict[str, Any]:
        """JSON values; a checkpoint is resumed only when they are equal."""

    def rows(self, position: Position, me_name: str | None, skip: int = 0) -> Iterator[dict[str, Any]]:
        """Scan rows in a stable order, the first `skip` left out."""


class FileSource:
    """An export on disk, read by `readers`; a changed file (size, mtime) is not resumed."""

    def __init__(self, path: Path, fmt: str | None = None):
        self.path, self.fmt = path, fmt or readers.detect(path)

    def identity(self) -> dict[str, Any]:
        """The resolved path, the format and the file's size and mtime."""
        return {"input": str(self.path.resolve()), "format": self.fmt, "stamp": _stamp(self.path)}

    def rows(self, position: Position, me_name: str | None, skip: int = 0) -> Iterator[dict[str, Any]]:
        """The reader's rows, the first `skip` (scored before a --resume) read past."""
        rows = readers.read(self.fmt, self.path, position, me_name=me_name)
        for _ in islice(rows, skip):
            pass
        return rows


@dataclass
class ScanOptions:
    """What `sincere scan` (and the IMAP scan) asks for; the fields mirror the command's options."""

    path: Path
    out: Path
    fmt: str | None = None
    owner: Owner = field(default_factory=Owner)
    report: Path | None = None
    resume: bool = False
    runner: str = "local"
    """Where frames are scored: "local" (this process) or "dask" (the `--engine` option)."""
    scheduler: str | None = None
    workers: int = 2
    every: int = 2000
    model: Path | None = None
    detector: Detector | None = None
    """The model `model` names, already loaded by the shell, so this process loads it once."""
    campaigns: str | None = None
    """Campaign store URL (default: SQLite in the checkpoint folder, gone when the scan completes)."""
    source: Source | None = None
    """Read this instead of the file at `path` (a live IMAP folder)."""
    sender_rules: SenderRules | None = None
    """The user's sender rules (detector.sender_rules), applied to every message as `sincere score --rules` does."""


@dataclass
class Summary:
    """What a finished scan tells its shell: counts by verdict, the owner, where the output went."""

    total: int
    counts: dict[str, int]
    from_me: int
    fmt: str
    owner: Owner
    resumed_at: int
    seconds: float
    out: Path
    report: Path | None
    notes: list[str] = field(default_factory=list)
    """What the reader noticed about the input (counts, never message text)."""

    @property
    def errors(self) -> int:
        """Error rows: their `error` column says why."""
        return self.counts.get("error", 0)


def _stamp(source: Path) -> list[int] | None:
    """Size and modification time of an input file: a changed file is not resumed."""
    if not source.is_file():
        return None
    info = source.stat()
    return [info.st_size, info.st_mtime_ns]


def _jsonl_lines(table: pa.Table) -> Iterator[str]:
    for row in table.to_pylist():
        for key in NESTED:
            if row[key] is not None:
                row[key] = json.loads(row[key])
        yield json.dumps(row, ensure_ascii=False) + "\n"


def write_output(checkpoint: Checkpoint, out: Path) -> None:
    """Join the parts into OUT (Parquet, CSV or JSONL by its extension), atomically."""
    suffix = out.suffix.lower()

    def write(tmp: Path) -> None:
        if suffix == ".parquet":
            with pq.ParquetWriter(tmp, SCHEMA) as writer:
                for table in checkpoint.tables():
                    writer.write_table(table)
        elif suffix == ".csv":
            from pyarrow import csv

            with csv.CSVWriter(tmp, SCHEMA) as writer:
                for table in checkpoint.tables():
                    writer.write_table(table)
        else:
            with tmp.open("w", encoding="utf-8") as stream:
                for table in checkpoint.tables():
                    stream.writelines(_jsonl_lines(table))

    write_atomic(out, write)


def _frames(rows: Iterable[dict[str, Any]], every: int) -> Iterator[pd.DataFrame]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, every)):
        yield pd.DataFrame.from_records(chunk)


def _with_owner(rows: Iterable[dict[str, Any]], owner: Owner) -> Iterator[dict[str, Any]]:
    recipient = owner.recipient()
    for row in rows:
        row = {k: v for k, v in row.items() if not k.startswith("_")}
        if recipient and not row.get("recipient"):
            row["recipient"] = recipient
        yield row


class LocalRunner:
    """Scores frames in this process: the same frame functions the Dask workers run."""

    def __init__(self, detector: Detector, campaigns: CampaignStore, sender_rules: SenderRules | None = None):
        self.detector, self.campaigns, self.sender_rules = detector, campaigns, sender_rules

    def __enter__(self) -> LocalRunner:
        return self

    def __exit__(self, *exc) -> None:
        pass

    def fingerprints(self, frames: Iterable[pd.DataFrame]) -> Iterator[list]:
        """The campaign pass: each frame's fingerprints, in order."""
        return (fingerprint_frame(frame, self.detector) for frame in frames)

    def scores(self, frames: Iterable[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        """The scoring pass: each frame's result rows, in order."""
        return (score_frame(frame, self.detector, self.campaigns, self.sender_rules) for frame in frames)


def _runner(options: ScanOptions, campaigns_url: str, campaigns: CampaignStore, run: str):
    model = str(options.model) if options.model else None
    if options.runner == "dask":
        from detector.batch.dask_runner import DaskRunner

        return DaskRunner(model, campaigns_url, run, options.scheduler, options.workers, options.sender_rules)
    return LocalRunner(options.detector or Detector.open(model), campaigns, options.sender_rules)


def _rows(source: Source, owner: Owner, skip: int, position: Position) -> Iterator[dict[str, Any]]:
    return _with_owner(source.rows(position, owner.name, skip), owner)


def scan(options: ScanOptions, on_progress: Progress | None = None) -> Summary:
    """Scan a whole export; raises readers.UnknownFormat (or OSError) when it cannot be opened at all.

    Two passes over the input: the campaign pass fingerprints every message into the inbox-wide
    index (so the first copy of a template already knows about later ones), then the scoring
    pass writes results. Each pass is resumable.
    """
    started = time.perf_counter()
    source = options.source or FileSource(options.path, options.fmt)
    fmt, identity = source.fmt, source.identity()
    checkpoint = Checkpoint(options.out)
    resumed = options.resume and checkpoint.load(identity)
    if not resumed:
        checkpoint.start(identity)
    state = checkpoint.state
    resumed_at = state["done"]
    owner = Owner(**state["owner"]) if state["owner"] else options.owner
    if not state["owner"]:
        if owner.name is None or owner.email is None:
            owner = owner.filled_from(infer(islice(source.rows(Position(), owner.name), SAMPLE)))
        state["owner"] = owner.as_dict()
        checkpoint.save()
    campaigns_url = options.campaigns or f"sqlite://{(checkpoint.folder / 'campaigns.db').resolve()}"
    with open_campaign_store(campaigns_url) as campaigns, \
            _runner(options, campaigns_url, campaigns, state["run"]) as runner:
        if not state["indexed"]:
            position, count = Position(), 0
            for fingerprints in runner.fingerprints(_frames(_rows(source, owner, 0, position), options.every)):
                campaigns.prefill(fingerprints)
                count += len(fingerprints)
                if on_progress:
                    on_progress("indexing", count, count, position)
            state["indexed"] = True
            checkpoint.save()
        position = Position()
        for results in runner.scores(_frames(_rows(source, owner, resumed_at, position), options.every)):
            checkpoint.add(results, to_table(results))
            if on_progress:
                on_progress("scoring", state["done"], state["done"] - resumed_at, position)
    write_output(checkpoint, options.out)
    if options.report:
        from detector.batch.report import write_report

        write_report(checkpoint, options.report, owner, fmt, position.notes)
    checkpoint.remove()
    return Summary(total=state["done"], counts=state["counts"], from_me=state["from_me"], fmt=fmt, owner=owner,
                   resumed_at=resumed_at, seconds=time.perf_counter() - started, out=options.out,
                   report=options.report, notes=position.notes)
