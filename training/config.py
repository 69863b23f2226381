"""Training configs: YAML validated against a dataclass so a wrong key or type fails clearly.

`TrainConfig` holds the keys every model kind shares (identity, seed, data, split); each kind
adds its own in a subclass, listed in `training.kinds`.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml


class ConfigError(ValueError):
    """The config file has an unknown key, a missing key or a value of the wrong type."""


@dataclass(frozen=True)
class TrainConfig:
    """The keys every model kind shares; a kind's own config subclasses it."""

    kind: str
    name: str
    version: str
    seed: int = 13
    data: str = ""
    """Labelled data used when `--data` is not given (relative to the working directory)."""
    out: str = ""
    """Bundle folder written when `--out` is not given."""
    split: Literal["auto", "column", "group", "id"] = "auto"
    """How rows are split into train/val/test: the data's own `split` column, a seeded hash of
    `group` (no group crosses splits), or of `id`; `auto` takes the first of these the data has."""
    val_fraction: float = 0.15
    test_fraction: float = 0.15
    target_fpr: float = 0.01
    """The decision threshold allows at most this share of personal messages to be flagged."""

    def __post_init__(self) -> None:
        for name in ("val_fraction", "test_fraction", "target_fpr"):
            if not 0.0 < getattr(self, name) < 1.0:
                raise ConfigError(f"'{name}' must be between 0 and 1, got {getattr(self, name)}")
        if self.val_fraction + self.test_fraction >= 1.0:
            raise ConfigError("'val_fraction' + 'test_fraction' must leave rows for training")


@dataclass(frozen=True)
class TextTfidfConfig(TrainConfig):
    """The text_tfidf kind: hashed word and character n-grams, TF-IDF weighted, into a logistic regression."""

    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (3, 5)
    word_features_log2: int = 18
    char_features_log2: int = 18
    C: float = 3.0
    max_iter: int = 300
    cv_folds: int = 0
    """Leave-repository-group-out folds to run after training (training.heldout); 0: none."""


def _check(name: str, hint: Any, value: Any) -> Any:
    """The value converted to the field's type, or a ConfigError saying what was expected."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is Literal:
        if value not in args:
            raise ConfigError(f"'{name}' must be one of {list(args)}, got {value!r}")
        return value
    if origin is tuple:
        if not (isinstance(value, list) and len(value) == len(args)
                and all(isinstance(v, t) and not isinstance(v, bool) for v, t in zip(value, args, strict=True))):
            raise ConfigError(f"'{name}' must be a list of {len(args)} {args[0].__name__}s, got {value!r}")
        return tuple(value)
    accepted = (int, float) if hint is float else hint
    if not isinstance(value, accepted) or (isinstance(value, bool) and hint is not bool):
        raise ConfigError(f"'{name}' must be {hint.__name__}, got {type(value).__name__} {value!r}")
    return float(value) if hint is float else value


def parse_config(data: Any, origin: str = "config") -> TrainConfig:
    """A config mapping validated against its kind's dataclass: unknown, missing or mistyped keys raise
    ConfigError naming `origin`."""
    from training.kinds import KINDS, config_class

    if not isinstance(data, dict) or data.get("kind") not in KINDS:
        got = data.get("kind") if isinstance(data, dict) else None
        raise ConfigError(f"{origin}: 'kind' must be one of {sorted(KINDS)}, got {got!r}")
    cls = config_class(data["kind"])
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ConfigError(f"{origin}: unknown key(s) {unknown} for kind {data['kind']!r}; allowed: {sorted(fields)}")
    missing = [n for n, f in fields.items() if n not in data and f.default is dataclasses.MISSING]
    if missing:
        raise ConfigError(f"{origin}: missing key(s) {missing}")
    try:
        return cls(**{k: _check(k, hints[k], v) for k, v in data.items()})
    except ConfigError as exc:
        raise ConfigError(f"{origin}: {exc}") from None


def load_config(path: Path) -> TrainConfig:
    """The YAML config file at `path`, validated."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read config ({exc})") from None
    return parse_config(data, str(path))


def as_plain_dict(config: TrainConfig) -> dict[str, Any]:
    """The config as YAML/JSON-ready values (tuples as lists), for manifests and overrides."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(config).items()}


def with_overrides(config: TrainConfig, origin: str = "command line", **values: Any) -> TrainConfig:
    """The config with the given keys replaced (command-line options), validated like the file."""
    given = {k: v for k, v in values.items() if v is not None}
    return parse_config({**as_plain_dict(config), **given}, origin) if given else config
