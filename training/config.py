"""Training configs: YAML validated against a dataclass so a wrong key or type fails clearly."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


class ConfigError(ValueError):
    """The config file has an unknown key, a missing key or a value of the wrong type."""


@dataclass(frozen=True)
class TextTfidfConfig:
    kind: str
    name: str
    version: str
    seed: int = 13
    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (3, 5)
    word_features_log2: int = 18
    char_features_log2: int = 18
    C: float = 3.0
    max_iter: int = 300
    target_fpr: float = 0.01


KINDS = {"text_tfidf": TextTfidfConfig}


def _check(field: dataclasses.Field, value: Any, origin: str) -> Any:
    kind = field.type if isinstance(field.type, str) else field.type.__name__
    if kind.startswith("tuple"):
        if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) for v in value)):
            raise ConfigError(f"{origin}: '{field.name}' must be a list of two integers")
        return tuple(value)
    expected = {"str": str, "int": int, "float": (int, float)}[kind]
    if not isinstance(value, expected) or isinstance(value, bool):
        raise ConfigError(f"{origin}: '{field.name}' must be {kind}, got {type(value).__name__}")
    return float(value) if kind == "float" else value


def load_config(path: Path) -> TextTfidfConfig:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read config ({exc})") from None
    if not isinstance(data, dict) or data.get("kind") not in KINDS:
        raise ConfigError(f"{path}: 'kind' must be one of {sorted(KINDS)}")
    cls = KINDS[data["kind"]]
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) {unknown}; allowed: {sorted(fields)}")
    missing = [n for n, f in fields.items() if n not in data and f.default is dataclasses.MISSING]
    if missing:
        raise ConfigError(f"{path}: missing key(s) {missing}")
    return cls(**{k: _check(fields[k], v, str(path)) for k, v in data.items()})
