"""Optional MLflow tracking of training runs (`sincere train --mlflow sqlite:///mlflow.db`).

Logs the config as parameters, the numeric test metrics, and the bundle's card, metrics, plots
and manifest as artifacts (no model weights, no message text). Needs the `mlflow` extra.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from training.config import TrainConfig, as_plain_dict
from training.plots import PLOTS

ARTIFACTS = ("MODEL_CARD.md", "metrics.json", "manifest.json", *PLOTS.values())
_UNSAFE = re.compile(r"[^A-Za-z0-9_\-. /]")


class TrackingError(RuntimeError):
    """MLflow is not installed or the tracking store cannot be used."""


def _numbers(prefix: str, value: Any) -> Iterator[tuple[str, float]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _numbers(f"{prefix}.{_UNSAFE.sub('_', str(key))}" if prefix else _UNSAFE.sub("_", str(key)), inner)
    elif isinstance(value, (int, float)) and not isinstance(value, bool) and value == value:
        yield prefix, float(value)


def _artifact_location(uri: str) -> str | None:
    """For a SQLite store, keep artifacts in a folder beside the database, not in the working directory."""
    if not uri.startswith("sqlite:///"):
        return None
    return (Path(uri.removeprefix("sqlite:///")).resolve().parent / "mlflow-artifacts").as_uri()


def require_mlflow() -> None:
    """Fail before training, not after it, when tracking was asked for but MLflow is missing."""
    if importlib.util.find_spec("mlflow") is None:
        raise TrackingError("MLflow tracking needs the 'mlflow' extra: pip install 'sincere[mlflow]'")


def log_run(uri: str, config: TrainConfig, metrics: dict[str, Any], bundle: Path) -> str:
    """Record a finished training run in MLflow at `uri`: the config as parameters, the test metrics, the
    bundle's card, metrics, manifest and plots as artifacts; returns the run id."""
    require_mlflow()
    import mlflow

    try:
        mlflow.set_tracking_uri(uri)
        experiment = mlflow.get_experiment_by_name(config.name)
        experiment_id = (experiment.experiment_id if experiment else
                         mlflow.create_experiment(config.name, artifact_location=_artifact_location(uri)))
        with mlflow.start_run(experiment_id=experiment_id, run_name=f"{config.name}-{config.version}") as run:
            mlflow.log_params({k: str(v) for k, v in as_plain_dict(config).items()})
            mlflow.set_tags({"bundle": str(Path(bundle).resolve()), "model_version": metrics.get("model_version", "")})
            mlflow.log_metrics(dict(_numbers("test", metrics["test"])))
            for name in ARTIFACTS:
                if (Path(bundle) / name).is_file():
                    mlflow.log_artifact(str(Path(bundle) / name))
            return run.info.run_id
    except Exception as exc:  # MLflow raises many types (store, network, schema); the bundle itself is written
        raise TrackingError(f"{bundle} was written, but recording the run in MLflow at {uri} failed: "
                            f"{type(exc).__name__}: {str(exc)[:300]}") from None
