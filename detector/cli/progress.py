"""The scan's terminal output: a rich progress bar per pass (messages, rate, ETA) and the closing summary."""

from __future__ import annotations

import time

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from detector.batch.readers.base import Position
from detector.batch.scan import Summary

_console = Console(stderr=True)


class ScanProgress:
    """ETA comes from the reader's position (bytes, files or rows); the rate is in messages/s."""

    def __init__(self) -> None:
        self._progress = Progress(
            TextColumn("{task.description:9}"), BarColumn(), TaskProgressColumn(), TextColumn("{task.fields[messages]:,} msgs"),
            TextColumn("{task.fields[rate]:,.0f} msg/s"), TimeElapsedColumn(), TextColumn("ETA"),
            TimeRemainingColumn(), console=_console, transient=False,
        )
        self._tasks: dict[str, tuple[int, float]] = {}

    def __enter__(self) -> ScanProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc) -> None:
        self._progress.stop()

    def update(self, phase: str, done: int, scanned: int, position: Position) -> None:
        """`done` messages of this phase in all, `scanned` of them by this run (the rest before a --resume)."""
        if phase not in self._tasks:
            self._tasks[phase] = (self._progress.add_task(phase, total=None, messages=0, rate=0.0), time.perf_counter())
        task, started = self._tasks[phase]
        elapsed = max(time.perf_counter() - started, 1e-6)
        self._progress.update(task, total=position.total or None, completed=position.done, messages=done,
                              rate=scanned / elapsed)


def print_summary(summary: Summary) -> None:
    """The closing table on stderr: verdict counts, the owner, where results went (never message text)."""
    table = Table(title=f"sincere scan: {summary.total:,} messages ({summary.fmt})", show_header=True)
    table.add_column("verdict")
    table.add_column("messages", justify="right")
    for verdict in ("personal", "smile", "bulk", "error"):
        table.add_row(verdict, f"{summary.counts.get(verdict, 0):,}")
    _console.print(table)
    who = summary.owner.name or summary.owner.email or "unknown (use --me)"
    lines = [f"inbox owner: {who}", f"written by the owner: {summary.from_me:,}",
             f"results: {summary.out}", f"{summary.seconds:.1f} s"]
    if summary.resumed_at:
        lines.append(f"resumed after {summary.resumed_at:,} messages")
    if summary.report:
        lines.append(f"report: {summary.report}")
    if summary.errors:
        lines.append(f"{summary.errors:,} error rows: their `error` column says why")
    lines += [f"note: {note}" for note in summary.notes]
    _console.print("\n".join(lines))
