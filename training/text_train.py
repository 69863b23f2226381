"""The `text_tfidf` trainer: text model on train, policy on validation, metrics on test."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import skops.io as sio
import yaml

from detector.features import policy_features
from detector.models.bundle import POLICY_FILE
from detector.models.kinds import TEXT_MODEL_FILE
from detector.signals import default_registry
from training.bundle_writer import Log, finish_bundle, load_splits, packages, training_data
from training.config import TextTfidfConfig, as_plain_dict
from training.dataset import MODEL_CLASSES, DatasetError, prepare_frame
from training.fit_policy import FOLDS, blend_codes, fit_policy
from training.heldout import all_parts, cross_validate
from training.model_card import text_tfidf_section
from training.progress import step
from training.text_model import build_text_pipeline


def train_text_tfidf(config: TextTfidfConfig, data: Path, out: Path, log: Log = print) -> dict[str, Any]:
    """Write a text_tfidf bundle to `out` (see training.kinds for the trainer contract); returns its metrics."""
    splits = load_splits(config, data)
    registry = default_registry()
    parts = {s: prepare_frame(frame, registry) for s, frame in splits.frames.items()}
    for s, part in parts.items():
        log(f"{s}: {len(part.texts)} messages ({len(part.skipped)} skipped as unscorable)")
    for s, part in parts.items():
        personal = int((part.frame["label"] == "personal").sum())
        if min(personal, len(part.frame) - personal) < FOLDS:
            raise DatasetError(f"{data}: split {s!r} has {personal} personal and {len(part.frame) - personal} "
                               f"mass-produced rows; each split needs at least {FOLDS} of both")

    train = parts["train"]
    model = build_text_pipeline(config)
    with step("fitting the text model"):
        model.fit(train.texts, [MODEL_CLASSES[label] for label in train.frame["label"]])
    log("text model fitted")

    val = parts["val"]
    personal_col = list(model.classes_).index("personal")
    p_mass = 1.0 - model.predict_proba(val.texts)[:, personal_col]
    codes = blend_codes(registry.codes)
    X = np.array([policy_features(p, hits, codes) for p, hits in zip(p_mass, val.hits, strict=True)])
    mass = (val.frame["label"] != "personal").to_numpy().astype(float)
    with step("fitting the policy on validation"):
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
        "packages": packages(),
        "config": as_plain_dict(config),
        "training_data": training_data(data, splits, {s: len(p.texts) for s, p in parts.items()}),
    }
    extra = {}
    if config.cv_folds:
        everything, splits = all_parts(parts)
        extra["repo_cv"] = cross_validate(config, everything, splits, config.cv_folds, log, policy.version)
    return finish_bundle(out, manifest, parts["test"].frame, text_tfidf_section(config, policy), log, extra)
