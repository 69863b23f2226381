"""Labelled data in the contract shape (the corpus builder's Parquet, or CSV/JSONL/Parquet of one's own)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from detector.contract import INPUT_FIELDS
from detector.engine import prepare
from detector.features import model_text
from detector.message import InvalidMessage, Message
from detector.parsing.rfc822 import UndecodableMessage
from detector.signals import Hit, SignalRegistry
from training.progress import track

MODEL_CLASSES = {"personal": "personal", "smile": "smile", "bulk": "bulk", "spam": "bulk"}
"""The text model learns three classes; impersonal spam is bulk to it (the policy decides smile)."""


class DatasetError(ValueError):
    """The labelled data cannot be used (missing file, missing column, unknown label)."""


def read_table(path: Path) -> pd.DataFrame:
    """The labelled table (Parquet, CSV or JSONL) with its id, channel and label columns checked."""
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        frame = pd.read_parquet(path)
    elif suffix == ".csv":
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    elif suffix in (".jsonl", ".json"):
        frame = pd.read_json(path, lines=True, dtype=False)
    else:
        raise DatasetError(f"{path}: unsupported format {suffix!r} (parquet, csv, jsonl)")
    for column in ("id", "channel", "label"):
        if column not in frame.columns:
            raise DatasetError(f"{path}: missing column {column!r}")
    unknown = sorted(set(frame["label"]) - set(MODEL_CLASSES))
    if unknown:
        raise DatasetError(f"{path}: unknown label(s) {unknown}; expected {sorted(MODEL_CLASSES)}")
    return frame


def _value(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if v is not None} or None
    if isinstance(value, float) and value != value:
        return None
    return value


def to_record(row: dict[str, Any]) -> dict[str, Any]:
    """A table row back to a contract input record (nested fields may be JSON strings or structs)."""
    record = {}
    for field in INPUT_FIELDS:
        if field in row:
            value = _value(row[field])
            if value is not None and value != "":
                record[field] = value
    return record


@dataclass
class Prepared:
    """Rows that parsed, with everything the learned parts need."""

    frame: pd.DataFrame
    messages: list[Message]
    hits: list[dict[str, Hit]]
    texts: list[str]
    skipped: dict[str, str]


def prepare_frame(frame: pd.DataFrame, registry: SignalRegistry) -> Prepared:
    """Parse every row as the engine would (same messages, hits and model text); unscorable rows are
    skipped with their reason, so training sees exactly what scoring sees."""
    keep, messages, hits, texts, skipped = [], [], [], [], {}
    for i, row in enumerate(track(frame.to_dict("records"), "parsing messages")):
        try:
            message, found = prepare(to_record(row), registry)
        except (InvalidMessage, UndecodableMessage) as exc:
            skipped[str(row.get("id"))] = str(exc)
            continue
        keep.append(i)
        messages.append(message)
        hits.append(found)
        texts.append(model_text(message, found))
    return Prepared(frame.iloc[keep].reset_index(drop=True), messages, hits, texts, skipped)


def iter_records(path: Path) -> Iterator[dict[str, Any]]:
    """The table's rows as contract input records."""
    for row in read_table(path).to_dict("records"):
        yield to_record(row)
