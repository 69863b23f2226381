"""Maildir trees (cur/ and new/, Maildir++ sub-folders as labels) and folders of .eml files.

One message per file; a file that cannot be read becomes an error row, never a stop. Outlook
.msg files are not parsed: they get an error row that says how to convert them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from detector.batch.readers.base import Position, iter_files, relative
from detector.batch.readers.mime import email_row

MSG_HINT = "Outlook .msg is not read directly: convert with `msgconvert` (Debian libemail-outlook-message-perl) to .eml"


def _file_row(path: Path, root: Path) -> dict[str, Any]:
    source = relative(path, root)
    if path.suffix.lower() == ".msg":
        return {"id": source, "channel": "email", "source": source, "read_error": MSG_HINT}
    try:
        data = path.read_bytes()
    except OSError as exc:
        return {"id": source, "channel": "email", "source": source,
                "read_error": f"cannot read file ({exc.strerror or type(exc).__name__})"}
    return email_row(data, source, source)


def read_eml(root: Path, position: Position, source: str) -> Iterator[dict[str, Any]]:
    """One row per .eml (or .msg) file under `root`, or `root` itself when it is a file."""
    for path in iter_files(root, (".eml", ".msg"), position):
        yield _file_row(path, root)


def maildir_files(root: Path) -> list[Path]:
    """Message files in every cur/ and new/ under root (tmp/ holds deliveries still in progress)."""
    found = []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        if Path(folder).name in ("cur", "new"):
            found.extend(Path(folder) / name for name in sorted(files))
            dirs.clear()
    return found


def is_maildir(root: Path) -> bool:
    """Whether `root` is a folder with a cur/ somewhere in it."""
    return root.is_dir() and any((Path(folder) / "cur").is_dir() for folder, _, _ in os.walk(root))


def read_maildir(root: Path, position: Position, source: str) -> Iterator[dict[str, Any]]:
    """One row per message file; its Maildir++ sub-folder and its flags (seen, replied, flagged) become labels."""
    files = maildir_files(root)
    position.total = len(files)
    for path in files:
        row = _file_row(path, root)
        folder = path.parent.parent.name
        labels = row.get("labels") or []
        if path.parent.parent != root and folder.startswith("."):
            labels = [*labels, folder.lstrip(".")]
        flags = path.name.rsplit(":2,", 1)[1] if ":2," in path.name else ""
        labels += [name for flag, name in (("S", "seen"), ("R", "replied"), ("F", "flagged")) if flag in flags]
        row["labels"] = labels
        yield row
        position.done += 1
