"""VTT/SRT captions flattened to plain transcript text (cue timings and numbers dropped)."""

from __future__ import annotations

import io
import re

import webvtt

_SRT_TIMING = re.compile(r"^\d{2}:\d{2}:\d{2}[,.]\d{3}\s+-->\s+\d{2}:\d{2}:\d{2}[,.]\d{3}")


def _looks_like_captions(text: str) -> bool:
    head = text.lstrip()[:2000]
    return head.startswith("WEBVTT") or any(_SRT_TIMING.match(line.strip()) for line in head.splitlines())


def flatten(text: str) -> str:
    """Return caption text as one paragraph; plain transcripts pass through unchanged."""
    if not _looks_like_captions(text):
        return text
    try:
        fmt = "vtt" if text.lstrip().startswith("WEBVTT") else "srt"
        captions = webvtt.from_buffer(io.StringIO(text.strip() + "\n"), format=fmt)
        lines = [c.text.replace("\n", " ").strip() for c in captions]
        if any(lines):
            return " ".join(line for line in lines if line)
    except Exception:  # malformed captions: fall back to stripping timing lines
        pass
    kept = [
        line.strip()
        for line in text.splitlines()
        if line.strip() and not line.strip().isdigit() and not _SRT_TIMING.match(line.strip())
        and not line.strip().startswith("WEBVTT")
    ]
    return " ".join(kept)
