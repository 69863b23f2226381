"""Progress on the terminal for the long training commands (`sincere data build`, `train`, `eval`).

A bar where a loop knows its length (rows parsed or scored), else a spinner with the elapsed time
beside the step under way. The display exists only inside `progress_display()`, which the CLI opens
when stderr is a terminal; everywhere else `track` and `step` are plain loops and no-ops, so library
callers and tests see no change.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sized
from contextlib import contextmanager
from typing import TypeVar

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn

T = TypeVar("T")
_active: Progress | None = None


@contextmanager
def progress_display(console: Console | None = None) -> Iterator[None]:
    """Show progress while the block runs, on `console` (default: stderr, only when it is a terminal)."""
    global _active
    console = console or Console(stderr=True)
    if not console.is_terminal or _active is not None:
        yield
        return
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console) as display:
        _active = display
        try:
            yield
        finally:
            _active = None


def track(items: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
    """`items`, advancing a bar as each is taken."""
    if _active is None:
        yield from items
        return
    size = total if total is not None else (len(items) if isinstance(items, Sized) else None)
    task = _active.add_task(description, total=size)
    for item in items:
        yield item
        _active.advance(task)
    _active.update(task, total=_active.tasks[task].completed)


@contextmanager
def step(description: str) -> Iterator[None]:
    """A step of unknown length: a spinner and the elapsed time until it ends."""
    if _active is None:
        yield
        return
    task = _active.add_task(description, total=None)
    try:
        yield
    finally:
        _active.update(task, total=1, completed=1)
