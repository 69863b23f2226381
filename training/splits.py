"""Train/validation/test assignment for labelled tables that may or may not carry their own split."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pandas as pd

from training.dataset import DatasetError

SPLITS = ("train", "val", "test")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value) or str(value).strip() == ""


def split_by(frame: pd.DataFrame, how: str) -> str:
    """What `auto` resolves to for this table: its own split column, else its groups, else ids."""
    if how != "auto":
        return how
    if "split" in frame.columns:
        return "column"
    return "group" if "group" in frame.columns else "id"


def assign_splits(frame: pd.DataFrame, how: str, seed: int, val_fraction: float, test_fraction: float,
                  origin: Path | str = "data") -> tuple[pd.Series, str]:
    """The split of every row and the rule used.

    Hash splits are a seeded sha256 of the group (rows without a group fall back to their id),
    so every row of a group lands in the same split and the assignment does not depend on row order.
    """
    how = split_by(frame, how)
    if how == "column":
        if "split" not in frame.columns:
            raise DatasetError(f"{origin}: split 'column' needs a 'split' column")
        unknown = sorted(set(map(str, frame["split"])) - set(SPLITS))
        if unknown:
            raise DatasetError(f"{origin}: unknown split value(s) {unknown}; expected {list(SPLITS)}")
        return frame["split"].astype(str), how
    if how == "group" and "group" not in frame.columns:
        raise DatasetError(f"{origin}: split 'group' needs a 'group' column")
    ids = frame["id"].astype(str)
    keys = ids if how == "id" else pd.Series(
        [i if _blank(g) else f"group:{g}" for g, i in zip(frame["group"], ids, strict=True)], index=frame.index)

    def split_of(key: str) -> str:
        u = int(hashlib.sha256(f"{seed}:{key}".encode()).hexdigest()[:13], 16) / 16**13
        return "test" if u < test_fraction else ("val" if u < test_fraction + val_fraction else "train")

    return keys.map(split_of), how
