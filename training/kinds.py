"""The model kinds `sincere train` can build, dispatched on a config's `kind:` key.

Each kind names its config dataclass (a subclass of `training.config.TrainConfig`) and its
trainer as "module:attribute", imported only when that kind is used, so a kind's heavy
dependencies (torch, audio libraries) load only when someone trains it.

A trainer is called as `trainer(config, data: Path, out: Path, log) -> metrics dict` and
writes a complete bundle folder to `out` (model files, manifest, MODEL_CARD.md,
metrics.json, plots); `training.bundle_writer` has the shared pieces. To add a kind,
add one line here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import Any


@dataclass(frozen=True)
class Kind:
    config: str
    trainer: str


KINDS: dict[str, Kind] = {
    "text_tfidf": Kind(config="training.config:TextTfidfConfig", trainer="training.text_train:train_text_tfidf"),
    "minilm_head": Kind(config="training.minilm_train:MiniLMHeadConfig", trainer="training.minilm_train:train_minilm_head"),
    "minilm_fused": Kind(config="training.minilm_train:MiniLMFusedConfig", trainer="training.minilm_train:train_minilm_fused"),
    "minilm_finetune": Kind(config="training.minilm_train:MiniLMFinetuneConfig",
                            trainer="training.minilm_train:train_minilm_finetune"),
}


def _resolve(target: str) -> Any:
    module, _, attribute = target.partition(":")
    return getattr(import_module(module), attribute)


def config_class(kind: str) -> type:
    return _resolve(KINDS[kind].config)


def trainer(kind: str) -> Callable[..., dict[str, Any]]:
    return _resolve(KINDS[kind].trainer)
