"""What every reader shares: progress position and the deterministic file walk."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Position:
    """How far a reader is, in its own unit (bytes, files or rows), for the progress bar."""

    total: int = 0
    done: int = 0
    notes: list[str] = field(default_factory=list)
    """What the reader noticed about the whole input (counts, never message text), for the summary."""


def walk(root: Path, suffixes: tuple[str, ...]) -> list[Path]:
    """Files under `root` with one of `suffixes`, in a stable order (so --resume can skip by count)."""
    found = []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        found.extend(Path(folder) / f for f in sorted(files) if f.lower().endswith(suffixes))
    return found


def relative(path: Path, root: Path) -> str:
    """`path` as a row's id and source: relative to the folder read, or its file name when one file was given."""
    return path.name if path == root else str(path.relative_to(root))


def iter_files(root: Path, suffixes: tuple[str, ...], position: Position) -> Iterator[Path]:
    """`root` itself if it is a file, else `walk`'s files, counting them into `position`."""
    files = [root] if root.is_file() else walk(root, suffixes)
    position.total = len(files)
    for path in files:
        yield path
        position.done += 1
