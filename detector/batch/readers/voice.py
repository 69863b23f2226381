"""Google Voice Takeout (Voice/Calls): one voicemail per "... - Voicemail - ....html" page.

The page holds the caller, the time and Google's transcript; the audio file beside it is passed
as `audio_path`. Other call-log pages (received, placed, texts) are not voicemails and are skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from detector.batch.readers.base import Position, relative, walk

AUDIO = (".mp3", ".m4a", ".wav", ".amr", ".ogg", ".flac")


def voicemail_pages(root: Path) -> list[Path]:
    """The voicemail pages among `root`'s .html files (or `root`, a single page), by their file names."""
    pages = [root] if root.is_file() else walk(root, (".html",))
    return [p for p in pages if "voicemail" in p.name.lower()]


def _text(tree: HTMLParser, selector: str) -> str | None:
    node = tree.css_first(selector)
    return node.text(separator=" ").strip() or None if node is not None else None


def _audio(page: Path, tree: HTMLParser) -> str | None:
    node = tree.css_first("audio")
    candidates = [page.parent / node.attributes["src"]] if node is not None and node.attributes.get("src") else []
    candidates += [page.with_suffix(ext) for ext in AUDIO]
    return next((str(c) for c in candidates if c.is_file()), None)


def read(root: Path, position: Position, source: str) -> Iterator[dict[str, Any]]:
    """One `voicemail` row per page: the caller, the time, Google's transcript as body and the audio beside it."""
    pages = voicemail_pages(root)
    position.total = len(pages)
    for page in pages:
        name = relative(page, root)
        row: dict[str, Any] = {"id": name, "channel": "voicemail", "source": name}
        try:
            tree = HTMLParser(page.read_bytes().decode("utf-8", errors="replace"))
        except OSError as exc:
            row["read_error"] = f"cannot read file ({exc.strerror or type(exc).__name__})"
        else:
            caller = _text(tree, ".fn")
            tel = tree.css_first("a.tel")
            number = tel.attributes.get("href", "").removeprefix("tel:") if tel is not None else None
            if caller or number:
                row["sender"] = {"name": caller or number}
            published = tree.css_first("abbr.published")
            row["sent_at"] = published.attributes.get("title") if published is not None else None
            transcript = _text(tree, ".full-text")
            if transcript:
                row["body"] = transcript
            audio = _audio(page, tree)
            if audio:
                row["audio_path"] = audio
            if not transcript and not audio:
                row["read_error"] = "voicemail page has neither a transcript nor an audio file"
        yield row
        position.done += 1
