"""`sincere train`: dispatch a config to its kind's trainer (training.kinds); what the trainers
share is in training.bundle_writer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from training.bundle_writer import Log, clear_out
from training.config import TrainConfig
from training.kinds import trainer


def train(config: TrainConfig, data: Path, out: Path, log: Log = print, mlflow_uri: str | None = None) -> dict[str, Any]:
    """Train the config's kind into `out`; optionally record the run in MLflow. Returns the metrics."""
    from training.tracking import log_run, require_mlflow

    if mlflow_uri:
        require_mlflow()
    clear_out(Path(out))
    metrics = trainer(config.kind)(config, Path(data), Path(out), log)
    if mlflow_uri:
        run_id = log_run(mlflow_uri, config, metrics, Path(out))
        log(f"MLflow run {run_id} recorded in {mlflow_uri}")
    return metrics
