"""MLflow set-up shared by training commands: tracking store, experiment, run tags."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

DEFAULT_TRACKING_URI = "sqlite:///mlflow.db"
"""A SQLite file in the working directory; ``mlflow ui --backend-store-uri sqlite:///mlflow.db``."""


def tracking_uri() -> str:
    return os.environ.get("MLFLOW_TRACKING_URI") or DEFAULT_TRACKING_URI


def use_experiment(name: str) -> str:
    """Point MLflow at the tracking store and experiment; return the experiment id.

    For a local SQLite store the artifacts go to ``mlartifacts/`` beside the database file,
    so one folder holds everything the MLflow UI shows.
    """
    import mlflow

    uri = tracking_uri()
    mlflow.set_tracking_uri(uri)
    experiment = mlflow.get_experiment_by_name(name)
    if experiment is not None:
        mlflow.set_experiment(experiment_id=experiment.experiment_id)
        return str(experiment.experiment_id)
    location = None
    if uri.startswith("sqlite:///"):
        db = Path(uri.removeprefix("sqlite:///"))
        location = (db.resolve().parent / "mlartifacts").as_uri()
    # Tell the MLflow 3 UI this is model training, not GenAI, so it opens on the runs table.
    experiment_id = mlflow.create_experiment(
        name, artifact_location=location, tags={"mlflow.experimentKind": "custom_model_development"}
    )
    mlflow.set_experiment(experiment_id=experiment_id)
    return str(experiment_id)


def git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            cwd=Path(__file__).resolve().parent,
            check=False,
        )
        return out.stdout.strip() or "unknown"
    except OSError:
        return "unknown"


def flatten(prefix: str, value: Any) -> dict[str, Any]:
    """Nested config dict → flat ``a.b.c`` params for MLflow."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, sub in value.items():
            out.update(flatten(f"{prefix}.{key}" if prefix else str(key), sub))
        return out
    return {prefix: value}
