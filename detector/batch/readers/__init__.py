"""Export readers: each turns one kind of export into a stream of scan rows, in a stable order.

A scan row is a contract input record plus metadata (`source`, `labels`, `thread_id`) and, where
the message could not be read, `read_error` instead of text. Keys starting with "_" are hints for
owner inference and never reach the output.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from detector.batch.readers import captions, linkedin, maildir, mbox, tables, voice
from detector.batch.readers.base import Position, walk

Reader = Callable[[Path, Position, str], Iterator[dict[str, Any]]]
FORMATS = ("mbox", "maildir", "eml", "linkedin", "gvoice", "captions", "csv", "jsonl", "parquet")


class UnknownFormat(ValueError):
    """The path is not an export this scanner reads."""


def detect(path: Path) -> str:
    """The format of `path` from its name, its first bytes or (for folders) what it holds."""
    if path.is_dir():
        if maildir.is_maildir(path):
            return "maildir"
        if voice.voicemail_pages(path):
            return "gvoice"
        if (path / "messages.csv").is_file():
            return "linkedin"
        for fmt, suffixes in (("eml", (".eml", ".msg")), ("captions", (".vtt", ".srt"))):
            if walk(path, suffixes):
                return fmt
        raise UnknownFormat(f"{path}: no Maildir, .eml, voicemail, messages.csv or caption files found")
    suffix = path.suffix.lower()
    if suffix in (".mbox", ".mbx"):
        return "mbox"
    if suffix == ".csv":
        return "linkedin" if linkedin.is_linkedin(path) else "csv"
    by_suffix = {".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet", ".eml": "eml", ".msg": "eml",
                 ".vtt": "captions", ".srt": "captions", ".html": "gvoice"}
    if suffix in by_suffix:
        return by_suffix[suffix]
    with path.open("rb") as stream:
        if stream.read(5) == b"From ":
            return "mbox"
    raise UnknownFormat(f"{path}: unknown format; name one with --format ({', '.join(FORMATS)})")


_READERS: dict[str, Reader] = {
    "mbox": mbox.read,
    "maildir": maildir.read_maildir,
    "eml": maildir.read_eml,
    "gvoice": voice.read,
    "captions": captions.read,
    "csv": tables.read_csv,
    "jsonl": tables.read_jsonl,
    "parquet": tables.read_parquet,
}


def read(fmt: str, path: Path, position: Position, me_name: str | None = None) -> Iterator[dict[str, Any]]:
    """Scan rows of `path` read as `fmt` (LinkedIn also needs the owner's name to flag their messages)."""
    if fmt == "linkedin":
        csv_path = path / "messages.csv" if path.is_dir() else path
        return linkedin.read(csv_path, position, csv_path.name, me=me_name)
    if fmt not in _READERS:
        raise UnknownFormat(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    return _READERS[fmt](path, position, path.name)
