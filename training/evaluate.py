"""`sincere eval`: a bundle's metrics on labelled data, or several bundles side by side."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import pandas as pd

from detector.bundle import Bundle
from detector.engine import Detector
from training.dataset import DatasetError, read_table, to_record
from training.metrics import evaluate, worst_false_positives


def select_split(frame: pd.DataFrame, split: str | None, origin: Path) -> pd.DataFrame:
    if split is None:
        return frame.reset_index(drop=True)
    if "split" not in frame.columns:
        raise DatasetError(f"{origin}: has no 'split' column; drop --split to evaluate every row")
    chosen = frame[frame["split"] == split].reset_index(drop=True)
    if chosen.empty:
        raise DatasetError(f"{origin}: no rows in split {split!r}")
    return chosen


def evaluate_frame(bundle_dir: Path, frame: pd.DataFrame) -> dict[str, Any]:
    detector = Detector(Bundle.load(bundle_dir))
    records = [to_record(row) for row in frame.to_dict("records")]
    results = list(detector.score_many(records))
    words = [len(str(r.get("body", "")).split()) for r in records]
    return {
        "model_version": detector.model_version,
        "test": evaluate(frame["label"], frame["channel"], words, results),
        "worst_false_positives": worst_false_positives(frame["id"], frame["label"], frame["channel"], results),
    }


def compare(bundles: Sequence[Path], data: Path, split: str | None) -> list[dict[str, Any]]:
    frame = select_split(read_table(data), split, data)
    return [evaluate_frame(b, frame) for b in bundles]


def summary_rows(reports: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for report in reports:
        test = report["test"]
        svp = test.get("smile_vs_personal", {})
        at = test["at_policy_threshold"]
        rows.append({
            "model": report["model_version"],
            "roc_auc": svp.get("roc_auc"),
            "recall@1%fpr": svp.get("recall_at_1pct_fpr"),
            "recall@5%fpr": svp.get("recall_at_5pct_fpr"),
            "fpr_personal": at["fpr_personal"]["rate"],
            **{f"fpr[{c}]": v["rate"] for c, v in at["fpr_personal_by_channel"].items()},
        })
    return rows
