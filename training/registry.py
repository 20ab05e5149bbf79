"""The MLflow model registry: register a run's model, point the ``champion`` alias at a version.

Aliases, not the deprecated stages: ``models:/thresher@champion`` always means the version
the alias points at, and ``thresher.extract(model="models:/thresher@champion")`` loads it.
Every failure (unknown run, a run without a model, unknown version, unreachable store)
becomes a :class:`thresher.ModelError` with a message that says which.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from thresher.errors import ModelError
from thresher.training.run_log import PYFUNC_NAME
from thresher.training.tracking import tracking_uri

DEFAULT_NAME = "thresher"
CHAMPION = "champion"

if TYPE_CHECKING:
    from mlflow import MlflowClient


@dataclass(frozen=True)
class Registered:
    name: str
    version: str
    source: str


def _client() -> MlflowClient:
    import mlflow
    from mlflow import MlflowClient

    mlflow.set_tracking_uri(tracking_uri())
    mlflow.set_registry_uri(tracking_uri())
    return MlflowClient(tracking_uri(), registry_uri=tracking_uri())


def model_uri_of_run(run_id: str) -> str:
    """The URI of the thresher pyfunc model logged by ``run_id`` (``models:/<model_id>``)."""
    import mlflow

    client = _client()
    try:
        run = client.get_run(run_id)
    except Exception as exc:
        raise ModelError(f"no run {run_id!r} in the MLflow store {tracking_uri()}: {_short(exc)}") from exc
    if run.data.tags.get("model_format") == "none":
        candidate = run.data.tags.get("candidate", "?")
        raise ModelError(f"run {run_id} ({candidate}) is evaluation-only and logged no model to register")
    logged = mlflow.search_logged_models(
        experiment_ids=[run.info.experiment_id],
        filter_string=f"source_run_id = '{run_id}' AND name = '{PYFUNC_NAME}'",
        output_format="list",
    )
    if not logged:
        raise ModelError(f"run {run_id} logged no '{PYFUNC_NAME}' model")
    return str(logged[0].model_uri)


def register(run_id: str, name: str = DEFAULT_NAME) -> Registered:
    """Register the model of ``run_id`` as a new version of ``name``."""
    import mlflow

    uri = model_uri_of_run(run_id)
    try:
        version = mlflow.register_model(uri, name)
    except Exception as exc:
        raise ModelError(f"cannot register {uri} as {name!r}: {_short(exc)}") from exc
    return Registered(name=name, version=str(version.version), source=uri)


def promote(name: str, version: str, alias: str = CHAMPION) -> None:
    """Point ``alias`` (default ``champion``) of the registered model ``name`` at ``version``."""
    client = _client()
    try:
        client.get_model_version(name, str(version))
        client.set_registered_model_alias(name, alias, str(version))
    except Exception as exc:
        raise ModelError(f"cannot set alias {alias!r} of {name!r} to version {version}: {_short(exc)}") from exc


def _short(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
