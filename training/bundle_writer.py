"""What every kind's trainer shares: reading and splitting the labelled table, the manifest's
provenance (packages, training data), and finishing a bundle with metrics, plots, card and manifest.

Trainers (training.text_train, training.minilm_train) import this; training.train only dispatches
to them through training.kinds, so nothing here imports a trainer or the dispatcher.
"""

from __future__ import annotations

import json
import platform
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from detector.models.artifacts import MANIFEST, BundleError, sha256_file, write_manifest
from detector.models.bundle import read_bundle_manifest
from training.config import TrainConfig
from training.dataset import DatasetError, read_table
from training.evaluate import report, score_frame
from training.model_card import write_model_card
from training.plots import write_plots
from training.splits import SPLITS, assign_splits

Log = Callable[[str], Any]
"""Where a trainer reports progress (print, or the CLI's logger)."""


def clear_out(out: Path) -> None:
    """Empty `out` of an earlier bundle's files, so none is carried into the new manifest; a folder
    holding anything else is refused rather than mixed into the bundle."""
    if not out.is_dir() or not any(out.iterdir()):
        return
    try:
        listed = set(read_bundle_manifest(out)["files"]) | {MANIFEST}
    except BundleError:
        raise DatasetError(f"{out}: not empty and not a model bundle; choose an empty or new --out folder") from None
    strangers = sorted(p.name for p in out.iterdir() if p.name not in listed)
    if strangers:
        raise DatasetError(f"{out}: holds files that are not part of its bundle ({', '.join(strangers[:5])}); "
                           "choose an empty or new --out folder")
    for name in listed:
        (out / name).unlink(missing_ok=True)


@dataclass
class Splits:
    """The labelled table's train/val/test frames and the rule that split them."""

    frames: dict[str, pd.DataFrame]
    split_by: str


def load_splits(config: TrainConfig, data: Path) -> Splits:
    """The labelled table cut into train/val/test by the config's split rule; every split must have rows."""
    frame = read_table(data)
    split, how = assign_splits(frame, config.split, config.seed, config.val_fraction, config.test_fraction, data)
    frames = {s: frame[split == s].reset_index(drop=True) for s in SPLITS}
    empty = [s for s, part in frames.items() if part.empty]
    if empty:
        raise DatasetError(f"{data}: no rows in split(s) {empty} (split by {how}); more data or other fractions needed")
    return Splits(frames, how)


def packages(extra: Sequence[str] = ()) -> dict[str, str]:
    """Versions of the packages a bundle was trained with, for its manifest (load warns on a mismatch)."""
    from importlib.metadata import version

    names = ("sincere", "scikit-learn", "skops", "numpy", "scipy", "pandas", *extra)
    return {n: version(n) for n in names} | {"python": platform.python_version()}


def training_data(data: Path, splits: Splits, rows: dict[str, int]) -> dict[str, Any]:
    """The manifest's record of which table (by sha256), split how, trained the bundle."""
    return {"file": Path(data).name, "sha256": sha256_file(Path(data)), "split_by": splits.split_by, "rows": rows}


def finish_bundle(out: Path, manifest: dict[str, Any], test: pd.DataFrame, model_section: Sequence[str],
                  log: Log = print, extra_metrics: dict[str, Any] | None = None) -> dict[str, Any]:
    """Score the test split through the detector, then write metrics.json, plots, MODEL_CARD.md and the manifest.

    The model files must already be in `out`; the manifest is written first so the detector can
    verify and load the bundle exactly as users will. `extra_metrics` (the repository CV) join
    metrics.json and the card.
    """
    write_manifest(out, manifest)
    scored = score_frame(out, test)
    metrics = report(scored) | (extra_metrics or {})
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    plots = write_plots(out, test["label"], scored.results, scored.threshold)
    write_model_card(out / "MODEL_CARD.md", manifest, metrics, model_section)
    write_manifest(out, manifest | {"metrics": metrics["test"].get("smile_vs_personal", {})})
    log(f"test metrics, {len(plots)} plots and MODEL_CARD.md written to {out}")
    return metrics
