"""The `cascade` trainer: TF-IDF settles clear cases, an uncertain band goes to the int8 ONNX MiniLM
head, pooled with the TF-IDF model (detector.models.cascade).

The MiniLM head is fitted on embeddings of the same int8 ONNX encoder that serves it, so training and
inference see one encoder. On the validation split only: the pool's TF-IDF weight is the one whose
pooled scores best catch smile at 1 % FPR on personal (ties: ROC-AUC); the band is the narrowest
(fewest validation messages sent to the encoder) whose decisions, under the pooled-everywhere model's
own validation policy, agree with the pooled-everywhere model's on at least `min_agreement` of
validation messages. Then the policy is refitted on the cascade's own validation outputs, so its
threshold holds the target FPR for what ships.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

from detector.models import minilm
from detector.models.cascade import in_band, log_linear_pool
from detector.models.kinds import HEAD_FILE, TEXT_MODEL_FILE, TOKENIZER_FILE
from detector.models.onnx_minilm import DISTRIBUTION, ONNX_SHA256, OnnxSentenceEncoder
from detector.policy import Policy
from training.bundle_writer import Log, finish_bundle, packages
from training.dataset import Prepared, prepare_frame
from training.embeddings import embed_cached
from training.heldout import HashedTfidfFolds, all_parts, cross_validate
from training.metrics import _separation
from training.minilm_train import MiniLMFusedConfig, _dump, _fit_head, _manifest, _policy, _prepared, _section, _tfidf_member, _write_policy, fit_head

LOW_EDGES = (0.0, 0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5)
HIGH_EDGES = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.97, 0.98, 0.99, 0.995, 0.998, 0.999, 1.0)
"""Candidate band edges on the TF-IDF probability of being mass-produced."""
WEIGHTS = tuple(round(0.1 * i, 1) for i in range(11))
"""Candidate TF-IDF weights of the pool (0: the MiniLM head alone, 1: TF-IDF alone)."""


@dataclass(frozen=True)
class CascadeConfig(MiniLMFusedConfig):
    """The fused kind's keys, plus how the band is chosen."""

    min_agreement: float = 0.99
    """The band's decisions must agree with the fused-everywhere model's on this share of validation."""
    agreement_sample: int = 1000
    """Validation texts on which the int8 ONNX encoder is compared with the fp32 torch encoder (0: skip)."""


def _decisions(policy: Policy, probs: np.ndarray, classes: list[str], part: Prepared) -> np.ndarray:
    personal = classes.index("personal")
    return np.array([policy.score(1.0 - p[personal], hits)[0] >= policy.threshold
                     for p, hits in zip(probs, part.hits, strict=True)])


def choose_band(p_mass: np.ndarray, tfidf: np.ndarray, fused: np.ndarray, decide, min_agreement: float) -> dict[str, Any]:
    """The candidate band on the TF-IDF `p_mass` sending the fewest rows to the encoder whose cascade
    decisions (`decide(probs)`) agree with the fused model's on >= min_agreement of rows (ties: the
    higher agreement); the widest band when none does."""
    reference = decide(fused)
    best = None
    for low in LOW_EDGES:
        for high in HIGH_EDGES:
            if high < low:
                continue
            sent = in_band(p_mass, (low, high))
            agreement = float(np.mean(decide(np.where(sent[:, None], fused, tfidf)) == reference))
            candidate = {"band": [low, high], "share_sent": float(sent.mean()), "agreement": agreement}
            if agreement >= min_agreement and (best is None or (candidate["share_sent"], -agreement)
                                               < (best["share_sent"], -best["agreement"])):
                best = candidate
    if best is None:
        best = {"band": [0.0, 1.0], "share_sent": 1.0, "agreement": 1.0}
    return best


def choose_weight(p_tfidf: np.ndarray, p_head: np.ndarray, personal: int, smile: np.ndarray,
                  is_personal: np.ndarray) -> dict[str, float]:
    """The pool's TF-IDF weight with the best validation recall of smile at 1 % FPR on personal (ties: ROC-AUC)."""
    best: dict[str, float] = {}
    for weight in WEIGHTS:
        p_mass = 1.0 - log_linear_pool(p_tfidf, p_head, weight)[:, personal]
        separation = _separation(p_mass, smile, is_personal)
        key = (separation["recall_at_1pct_fpr"], separation["roc_auc"])
        if not best or key > (best["val_recall_at_1pct_fpr"], best["val_roc_auc"]):
            best = {"tfidf_weight": weight, "val_recall_at_1pct_fpr": key[0], "val_roc_auc": key[1]}
    return best


class CascadeFolds:
    """The cascade refitted per repository-CV fold (training.heldout.cross_validate): the TF-IDF model and
    the MiniLM head learn the fold's training rows; rows whose TF-IDF probability of being mass-produced
    lies in the shipped `band` are pooled with the shipped `tfidf_weight` (both kept: choosing them again
    per fold would need each fold's fused policy, and they are the bundle's settings under test)."""

    def __init__(self, config: CascadeConfig, texts: list[str], embeddings: np.ndarray, band: tuple[float, float],
                 tfidf_weight: float):
        self.config, self.embeddings = config, embeddings
        self.tfidf = HashedTfidfFolds(config, texts)
        self.band, self.tfidf_weight = band, tfidf_weight

    def fit_predict(self, train: np.ndarray, y: list[str], score: list[np.ndarray]) -> list[np.ndarray]:
        """Fit both members on rows `train`; the cascade's P(personal) of each row set in `score`."""
        classes, probs = self.tfidf.fit_predict_proba(train, y, score)
        head = fit_head(self.config, self.embeddings[train], y)
        if [str(c) for c in head.classes_] != classes:
            raise ValueError("the CV fold's TF-IDF model and MiniLM head disagree on the classes")
        personal = classes.index("personal")
        out = []
        for rows, p in zip(score, probs, strict=True):
            sent = np.flatnonzero(in_band(1.0 - p[:, personal], self.band))
            if len(sent):
                p[sent] = log_linear_pool(p[sent], head.predict_proba(self.embeddings[rows[sent]]), self.tfidf_weight)
            out.append(p[:, personal])
        return out


def _encoder_agreement(config: CascadeConfig, encoder: OnnxSentenceEncoder, texts: list[str], log: Log) -> dict[str, Any]:
    """Cosine between the int8 ONNX and the fp32 torch embeddings of a validation sample (needs torch)."""
    if not config.agreement_sample or minilm.transformer_missing():
        log("encoder agreement not measured (no torch here)")
        return {}
    from training.encoder_agreement import agreement

    rng = np.random.default_rng(config.seed)
    sample = [texts[i] for i in rng.choice(len(texts), min(config.agreement_sample, len(texts)), replace=False)]
    measured = agreement(sample, encoder.tokenizer_path, config.max_length)
    log(f"int8 ONNX vs fp32 torch encoder: {measured}")
    return measured


def train_cascade(config: CascadeConfig, data: Path, out: Path, log: Log = print) -> dict[str, Any]:
    """Train a cascade bundle into `out` (see the module docstring); returns its metrics."""
    splits, registry, parts = _prepared(config, data, log)
    train, val = parts["train"], parts["val"]
    tfidf = _tfidf_member(config, splits, registry, train, log)
    tokenizer = minilm.model_dir() / TOKENIZER_FILE
    encoder = OnnxSentenceEncoder(tokenizer, max_length=config.max_length)
    head = _fit_head(config, encoder, train, log)
    p_tfidf = tfidf.predict_proba(val.texts)
    p_head = head.predict_proba(embed_cached(encoder, val.texts, log=log))
    classes = [str(c) for c in head.classes_]
    labels = val.frame["label"].to_numpy()
    weight = choose_weight(p_tfidf, p_head, classes.index("personal"), labels == "smile", labels == "personal")
    log(f"pool weight of the TF-IDF model chosen on validation: {weight}")
    p_fused = log_linear_pool(p_tfidf, p_head, weight["tfidf_weight"])
    fused_policy, fused_validation = _policy(config, registry, val, p_fused, classes, log)
    p_mass = 1.0 - p_tfidf[:, classes.index("personal")]
    band = choose_band(p_mass, p_tfidf, p_fused, lambda probs: _decisions(fused_policy, probs, classes, val),
                       config.min_agreement)
    sent = in_band(p_mass, band["band"])
    p_cascade = np.where(sent[:, None], p_fused, p_tfidf)
    policy, validation = _policy(config, registry, val, p_cascade, classes, log)
    band["agreement_after_refit"] = float(np.mean(_decisions(policy, p_cascade, classes, val)
                                                  == _decisions(fused_policy, p_fused, classes, val)))
    test_mass = 1.0 - tfidf.predict_proba(parts["test"].texts)[:, classes.index("personal")]
    band["share_sent_test"] = float(np.mean(in_band(test_mass, band["band"])))
    log(f"band {band['band']} on the TF-IDF mass probability: {band}")
    encoder_agreement = _encoder_agreement(config, encoder, val.texts, log)
    extra = {"cascade": band | weight, "encoder_agreement": encoder_agreement,
             "versions": {"onnxruntime": version("onnxruntime"), "tokenizers": version("tokenizers")}}
    if config.cv_folds:
        # the folds learn every training row, as the TF-IDF model does, even when the head learnt a sample
        cv_parts = dict(parts, train=prepare_frame(splits.frames["train"], registry)) if config.max_train else parts
        everything, splits_of = all_parts(cv_parts)
        embeddings = np.vstack([embed_cached(encoder, part.texts, log=log) for part in cv_parts.values()])
        folds = CascadeFolds(config, everything.texts, embeddings, tuple(band["band"]), weight["tfidf_weight"])
        extra["repo_cv"] = cross_validate(config, everything, splits_of, config.cv_folds, log, policy.version, folds)

    out.mkdir(parents=True, exist_ok=True)
    _dump(tfidf, out / TEXT_MODEL_FILE)
    shutil.copyfile(tokenizer, out / TOKENIZER_FILE)
    _dump(head, out / HEAD_FILE)
    _write_policy(out, policy)
    description = (
        "A cascade. Hashed word and character n-gram TF-IDF with logistic regression "
        f"({'reused from ' + config.tfidf_bundle if config.tfidf_bundle else 'trained here'}) scores every message; "
        f"a message whose TF-IDF probability of being mass-produced lies in [{band['band'][0]}, {band['band'][1]}] "
        f"({100 * band['share_sent']:.1f} % of validation, {100 * band['share_sent_test']:.1f} % of test) is also "
        f"read by all-MiniLM-L6-v2 (int8 ONNX from {DISTRIBUTION}, onnxruntime, no torch; mean pooling, first "
        f"{config.max_length} tokens of identity-masked, lower-cased text) with a calibrated linear head fitted on the "
        f"{len(train.texts)} training rows counted below (the TF-IDF model learnt from every training row), and the "
        f"two models' probabilities are pooled: a weighted geometric mean, TF-IDF weight {weight['tfidf_weight']} "
        "chosen on validation (a pool cannot be surer than the surer of its two models). "
        f"The band is the narrowest whose decisions agree with the pooled-everywhere model's on >= "
        f"{100 * config.min_agreement:g} % of validation messages ({100 * band['agreement']:.2f} % under that "
        f"model's policy; {100 * band['agreement_after_refit']:.2f} % after the policy below was refitted on the cascade's "
        "own outputs).")
    if config.cv_folds:
        description += (" In the repository cross-validation each fold refits the TF-IDF model and the MiniLM head "
                        "without its repositories; the band and the pool weight are this bundle's.")
    if encoder_agreement:
        description += (f" Encoder agreement with the fp32 torch MiniLM on {encoder_agreement['texts']} validation "
                        f"texts: cosine mean {encoder_agreement['cosine_mean']}, min {encoder_agreement['cosine_min']}.")
    manifest = _manifest(config, data, splits, parts, classes) | {
        "encoder": {"package": DISTRIBUTION, "sha256": ONNX_SHA256, "max_length": config.max_length,
                    "int8": True, "pooling": "mean", "tokenizer": TOKENIZER_FILE},
        "cascade": band | {"tfidf_weight": weight["tfidf_weight"]},
        "packages": packages(("onnxruntime", "tokenizers", DISTRIBUTION)),
        "validation": validation, "validation_pooled_everywhere": fused_validation}
    return finish_bundle(out, manifest, parts["test"].frame, _section(description, policy), log, extra)
