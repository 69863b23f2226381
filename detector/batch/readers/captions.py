"""VTT/SRT caption files (a "video made for you"): one transcript per file.

The caption text goes in as the body; the engine flattens cues (detector/parsing/transcripts.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from detector.batch.readers.base import Position, iter_files, relative


def read(root: Path, position: Position, source: str) -> Iterator[dict[str, Any]]:
    """One `video_transcript` row per caption file; an unreadable or non-UTF-8 file becomes an error row."""
    for path in iter_files(root, (".vtt", ".srt"), position):
        name = relative(path, root)
        row: dict[str, Any] = {"id": name, "channel": "video_transcript", "source": name}
        try:
            row["body"] = path.read_bytes().decode("utf-8-sig")
        except OSError as exc:
            row["read_error"] = f"cannot read file ({exc.strerror or type(exc).__name__})"
        except UnicodeDecodeError:
            row["read_error"] = "captions are not UTF-8 text"
        yield row
