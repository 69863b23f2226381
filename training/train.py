"""Train a text bundle: text model on train, policy on validation, metrics on test."""

from __future__ import annotations

import hashlib
import json
import platform
import zipfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import skops.io as sio
import yaml

from detector.bundle import POLICY_FILE, TEXT_MODEL_FILE, sha256_file, write_manifest
from detector.features import policy_features
from detector.signals import default_registry
from training.config import TextTfidfConfig
from training.dataset import MODEL_CLASSES, DatasetError, prepare_frame, read_table
from training.fit_policy import blend_codes, fit_policy
from training.evaluate import evaluate_frame
from training.model_card import write_model_card
from training.text_model import build_text_pipeline

SPLITS = ("train", "val", "test")


def assign_splits(frame: pd.DataFrame, seed: int) -> pd.Series:
    """For data without a split column: 70/15/15 by seeded hash of the group (or id)."""
    keys = frame["group"] if "group" in frame.columns else frame["id"]

    def split_of(key: Any) -> str:
        bucket = int(hashlib.sha256(f"{seed}:{key}".encode()).hexdigest()[:8], 16) % 100
        return "train" if bucket < 70 else ("val" if bucket < 85 else "test")

    return keys.map(split_of)


def _packages() -> dict[str, str]:
    from importlib.metadata import version

    names = ("sincere", "scikit-learn", "skops", "numpy", "scipy")
    return {n: version(n) for n in names} | {"python": platform.python_version()}


def train_text_bundle(config: TextTfidfConfig, data: Path, out: Path, log=print) -> dict[str, Any]:
    frame = read_table(data)
    if "split" not in frame.columns:
        frame["split"] = assign_splits(frame, config.seed)
    missing = [s for s in SPLITS if not (frame["split"] == s).any()]
    if missing:
        raise DatasetError(f"{data}: no rows in split(s) {missing}")
    registry = default_registry()
    parts = {s: prepare_frame(frame[frame["split"] == s].reset_index(drop=True), registry) for s in SPLITS}
    for s, part in parts.items():
        log(f"{s}: {len(part.texts)} messages ({len(part.skipped)} skipped as unscorable)")

    train = parts["train"]
    model = build_text_pipeline(config)
    model.fit(train.texts, [MODEL_CLASSES[label] for label in train.frame["label"]])
    log("text model fitted")

    val = parts["val"]
    personal_col = list(model.classes_).index("personal")
    p_mass = 1.0 - model.predict_proba(val.texts)[:, personal_col]
    codes = blend_codes(registry.codes)
    X = np.array([policy_features(p, hits, codes) for p, hits in zip(p_mass, val.hits)])
    mass = (val.frame["label"] != "personal").to_numpy().astype(float)
    policy, _ = fit_policy(X, mass, codes, f"{config.name}-{config.version}", config.target_fpr, config.seed)
    log(f"policy fitted on validation: threshold {policy.threshold:.4f}")

    out.mkdir(parents=True, exist_ok=True)
    sio.dump(model, out / TEXT_MODEL_FILE, compression=zipfile.ZIP_DEFLATED, compresslevel=9)
    (out / POLICY_FILE).write_text(yaml.safe_dump(policy.as_dict(), sort_keys=False), encoding="utf-8")
    manifest = {
        "name": config.name,
        "version": config.version,
        "kind": config.kind,
        "classes": [str(c) for c in model.classes_],
        "packages": _packages(),
        "config": asdict(config),
        "training_data": {"file": Path(data).name, "sha256": sha256_file(data),
                          "rows": {s: len(p.texts) for s, p in parts.items()}},
    }
    write_manifest(out, manifest)

    metrics = evaluate_frame(out, parts["test"].frame)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    write_model_card(out / "MODEL_CARD.md", config, manifest, policy, metrics)
    write_manifest(out, manifest | {"metrics": metrics["test"].get("smile_vs_personal", {})})
    return metrics
