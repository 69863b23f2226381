"""Which model bundle the CLI, batch jobs and the API load: one resolution order for all of them.

Order: an explicit path (`--model`), then `$SINCERE_MODEL`, then the bundle chosen with
`sincere models use DIR` (a small state file in the user's config folder), then the shipped
default. The state file also remembers every bundle ever chosen, for `sincere models list`.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from detector.models.artifacts import shipped_bundles_path
from detector.models.bundle import default_bundle_path

MODEL_ENV = "SINCERE_MODEL"
CONFIG_ENV = "SINCERE_CONFIG_DIR"
STATE_FILE = "models.json"


@dataclass(frozen=True)
class ModelChoice:
    """The bundle folder in use and what chose it, for commands that say why a bundle was loaded."""

    path: Path | None
    """None means the shipped default bundle."""
    source: str
    """What chose it: '--model', '$SINCERE_MODEL', 'sincere models use' or 'shipped default'."""


def config_dir() -> Path:
    """$SINCERE_CONFIG_DIR, else the platform's user config folder + /sincere."""
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    if os.environ.get("XDG_CONFIG_HOME"):
        return Path(os.environ["XDG_CONFIG_HOME"]) / "sincere"
    if sys.platform == "win32" and os.environ.get("APPDATA"):
        return Path(os.environ["APPDATA"]) / "sincere"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "sincere"
    return Path.home() / ".config" / "sincere"


def _state() -> dict[str, Any]:
    try:
        state = json.loads((config_dir() / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"selected": None, "known": []}
    if not isinstance(state, dict):
        return {"selected": None, "known": []}
    known = [k for k in state.get("known", []) if isinstance(k, str)]
    selected = state.get("selected") if isinstance(state.get("selected"), str) else None
    return {"selected": selected, "known": known}


def _write_state(state: dict[str, Any]) -> None:
    folder = config_dir()
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f"{STATE_FILE}.tmp"
    temporary.write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")
    temporary.replace(folder / STATE_FILE)


def selected_model() -> Path | None:
    """The bundle chosen with `sincere models use`, if any."""
    selected = _state()["selected"]
    return Path(selected) if selected else None


def known_models() -> list[Path]:
    """Every bundle ever chosen, for `sincere models list`."""
    return [Path(p) for p in _state()["known"]]


def select_model(path: Path | None) -> None:
    """Make `path` (absolute) the bundle used by default; None goes back to the shipped one.
    Callers verify the bundle first (`detector.models.bundle.Bundle.load`)."""
    state = _state()
    if path is None:
        state["selected"] = None
    else:
        chosen = str(Path(path).resolve())
        state["selected"] = chosen
        state["known"] = [*[k for k in state["known"] if k != chosen], chosen]
    _write_state(state)


def resolve_model(explicit: Path | None = None) -> ModelChoice:
    """The bundle in use, in the one order every command follows (see the module docstring)."""
    if explicit is not None:
        return ModelChoice(Path(explicit), "--model")
    if os.environ.get(MODEL_ENV):
        return ModelChoice(Path(os.environ[MODEL_ENV]), f"${MODEL_ENV}")
    selected = selected_model()
    if selected is not None:
        return ModelChoice(selected, "sincere models use")
    return ModelChoice(None, "shipped default")


def bundle_path(model: str | Path | None = None) -> Path:
    """The folder of the text bundle `model` names: None for the selected one (see `resolve_model`),
    the name of a shipped bundle ('default', 'fused') unless a folder of that name is at hand, else a path."""
    if model is None:
        return resolve_model().path or default_bundle_path()
    path = Path(model)
    shipped = shipped_bundles_path() / str(model)
    if isinstance(model, str) and not path.exists() and path.name == model and shipped.is_dir():
        return shipped
    return path
