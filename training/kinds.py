"""The model kinds `sincere train` can build, dispatched on a config's `kind:` key.

The kinds themselves (their files and loaders) are the detector's registry,
`detector.models.kinds.KINDS`; this module adds how each is trained, and covers exactly those
kinds, so every bundle training writes is one the detector can load (a kind added there without
a trainer here fails on import). Each kind names its config dataclass (a subclass of
`training.config.TrainConfig`) and its trainer as "module:attribute", imported only when that kind
is used, so a kind's heavy dependencies (torch, audio libraries) load only when someone trains it.

A trainer is called as `trainer(config, data: Path, out: Path, log) -> metrics dict` and
writes a complete bundle folder to `out` (model files, manifest, MODEL_CARD.md,
metrics.json, plots); `training.bundle_writer` has the shared pieces.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from detector.models.kinds import KINDS as LOADABLE_KINDS


@dataclass(frozen=True)
class Kind:
    """How one model kind is trained: its config class and trainer, as "module:attribute"."""

    config: str
    trainer: str


_TRAINING: dict[str, Kind] = {
    "text_tfidf": Kind(config="training.config:TextTfidfConfig", trainer="training.text_train:train_text_tfidf"),
    "minilm_head": Kind(config="training.minilm_train:MiniLMHeadConfig", trainer="training.minilm_train:train_minilm_head"),
    "minilm_fused": Kind(config="training.minilm_train:MiniLMFusedConfig", trainer="training.minilm_train:train_minilm_fused"),
    "minilm_finetune": Kind(config="training.minilm_train:MiniLMFinetuneConfig",
                            trainer="training.minilm_train:train_minilm_finetune"),
    "cascade": Kind(config="training.cascade_train:CascadeConfig", trainer="training.cascade_train:train_cascade"),
}
KINDS: dict[str, Kind] = {name: _TRAINING[name] for name in LOADABLE_KINDS}
"""Every kind the detector loads, with how it is trained."""


def _resolve(target: str) -> Any:
    module, _, attribute = target.partition(":")
    return getattr(import_module(module), attribute)


def config_class(kind: str) -> type:
    """The config dataclass of `kind` (imports its trainer's module)."""
    return _resolve(KINDS[kind].config)


def trainer(kind: str) -> Callable[..., dict[str, Any]]:
    """The function that trains a bundle of `kind`."""
    return _resolve(KINDS[kind].trainer)
