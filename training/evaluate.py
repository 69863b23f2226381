"""`sincere eval`: a bundle's metrics on labelled data, or several bundles side by side."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from detector.engine import Detector
from training.dataset import DatasetError, read_table, to_record
from training.fit_policy import threshold_for_fpr
from training.heldout import heldout_report, unseen_outreach
from training.metrics import at_threshold, evaluate, worst_false_positives
from training.progress import track


@dataclass
class Scored:
    """One bundle's results on a table, row for row."""

    detector: Detector
    frame: pd.DataFrame
    results: list[dict[str, Any]]

    @property
    def threshold(self) -> float:
        """The bundle's own policy threshold, where the repository-held-out report measures recall."""
        return self.detector.bundle.policy.threshold


def select_split(frame: pd.DataFrame, split: str | None, origin: Path) -> pd.DataFrame:
    """The rows of one split (None: every row), with a clear error when the data has no such split."""
    if split is None:
        return frame.reset_index(drop=True)
    if "split" not in frame.columns:
        raise DatasetError(f"{origin}: has no 'split' column; use --split all to evaluate every row")
    chosen = frame[frame["split"] == split].reset_index(drop=True)
    if chosen.empty:
        raise DatasetError(f"{origin}: no rows in split {split!r}")
    return chosen


def score_frame(bundle_dir: Path, frame: pd.DataFrame) -> Scored:
    """Score every row with one bundle, each message alone, keeping the results in row order."""
    detector = Detector.open(bundle_dir)
    records = [to_record(row) for row in frame.to_dict("records")]
    # One message at a time: a labelled set holds several copies of each template, and linking
    # them (CAMPAIGN_COPY) would measure the campaign index, not the detector, on every copy.
    return Scored(detector, frame, [detector.score(record) for record in track(records, f"scoring with {bundle_dir.name}")])


def report(scored: Scored) -> dict[str, Any]:
    """Metrics of the scored rows; with public outreach among them (a corpus build's test split: its
    repositories were never trained on), the repository-held-out headline too."""
    frame, results = scored.frame, scored.results
    words = [len(str(body).split()) for body in frame.get("body", pd.Series([""] * len(frame)))]
    entry = {
        "model_version": scored.detector.model_version,
        "test": evaluate(frame["label"], frame["channel"], words, results),
        "worst_false_positives": worst_false_positives(frame["id"], frame["label"], frame["channel"], results),
    }
    if unseen_outreach(frame).any():
        scores = [r["score"] if r["score"] is not None else np.nan for r in results]
        entry["repo_heldout"] = heldout_report(frame, scores, scored.threshold)
    return entry


def tuned_threshold(scored: Scored, tune: Scored, target_fpr: float, tuned_on: str) -> dict[str, Any]:
    """The threshold that flags at most target_fpr of the tuning rows' personal messages, measured on `scored`."""
    personal = [r["score"] for r, label in zip(tune.results, tune.frame["label"], strict=True)
                if label == "personal" and r["score"] is not None]
    if not personal:
        raise DatasetError(f"no personal messages in {tuned_on} to tune a threshold on")
    threshold = threshold_for_fpr(np.asarray(personal), target_fpr)
    return {"target_fpr": target_fpr, "tuned_on": tuned_on, **at_threshold(scored.frame["label"], scored.results, threshold)}


def compare(bundles: Sequence[Path], data: Path, split: str | None, target_fpr: float | None = None,
            tune_split: str | None = None) -> list[dict[str, Any]]:
    """Each bundle's report on the same rows; with target_fpr, also a threshold tuned on `tune_split`
    and measured on those rows. Without `tune_split`, the tuning uses the data's `val` split when it
    has one and the evaluated rows are another split, else the evaluated rows (which flatters it)."""
    table = read_table(data)
    frame = select_split(table, split, data)
    if tune_split is None and "split" in table.columns and split not in (None, "val") and (table["split"] == "val").any():
        tune_split = "val"
    tune_frame = select_split(table, tune_split, data) if target_fpr is not None and tune_split else None
    reports = []
    for bundle in bundles:
        scored = score_frame(bundle, frame)
        entry = report(scored)
        if target_fpr is not None:
            tune = score_frame(bundle, tune_frame) if tune_frame is not None else scored
            tuned_on = f"split {tune_split!r}" if tune_frame is not None else "the evaluated rows (optimistic)"
            entry["tuned"] = tuned_threshold(scored, tune, target_fpr, tuned_on)
        reports.append(entry)
    return reports


def summary_rows(reports: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """One flat row of headline figures per report, for the side-by-side table of `sincere eval`."""
    rows = []
    for entry in reports:
        test = entry["test"]
        svp = test.get("smile_vs_personal", {})
        at = test["at_policy_threshold"]
        heldout = entry.get("repo_heldout", {})
        row = {
            "model": entry["model_version"],
            **({"heldout recall@1%fpr": heldout.get("recall_at_1pct_fpr"),
                "heldout recall@5%fpr": heldout.get("recall_at_5pct_fpr"),
                "heldout recall@threshold": heldout.get("recall_at_policy_threshold")} if heldout else {}),
            "roc_auc": svp.get("roc_auc"),
            "recall@1%fpr": svp.get("recall_at_1pct_fpr"),
            "recall@5%fpr": svp.get("recall_at_5pct_fpr"),
            "fpr_personal": at["fpr_personal"]["rate"],
            "recall_smile": at["recall_smile"]["rate"],
            **{f"fpr[{c}]": v["rate"] for c, v in at["fpr_personal_by_channel"].items()},
            **{f"fpr[{b}]": v["rate"] for b, v in at["fpr_personal_by_length"].items()},
        }
        if "tuned" in entry:
            tuned = entry["tuned"]
            row |= {"tuned_threshold": tuned["threshold"], "fpr@tuned": tuned["fpr_personal"]["rate"],
                    "recall@tuned": tuned["recall_smile"]["rate"]}
        rows.append(row)
    return rows
