"""One MLflow run per trained candidate, with the same metric names, tags and artifacts for all.

Every run of ``thresher train`` (one model, or each candidate of ``--candidates``) goes
through :func:`log_run`, so the MLflow UI's "compare runs" view lines them up column by
column.  LightGBM candidates also log the native model folder (``native_model/``) and a
pyfunc model (``thresher``) that ``thresher models register`` can put in the registry.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from thresher.config import Config
from thresher.training.artifacts import confusion_plot, confusion_rows, importance_plot, write_csv
from thresher.training.candidates import Candidate
from thresher.training.dataset import PageData
from thresher.training.evaluate import RegionScores, page_table
from thresher.training.tracking import flatten, git_commit, use_experiment

PYFUNC_CODE = Path(__file__).with_name("pyfunc_model.py")
PYFUNC_NAME = "thresher"
"""Name of the pyfunc model inside a run (``runs:/<run_id>/thresher``)."""


@dataclass
class RunRecord:
    """Everything one candidate's run logs."""

    candidate: Candidate
    config: Config
    metrics: dict[str, float]
    digest: str
    data: Sequence[PageData]
    texts: dict[str, str]
    importance: dict[str, float]
    importance_measure: str
    metadata: dict[str, Any]
    corpus: Sequence[Path | str]
    regions: RegionScores | None = None
    model_dir: Path | None = None
    """The saved thresher model folder; None for evaluation-only candidates."""
    tags: dict[str, str] = field(default_factory=dict)


def log_run(experiment: str, run_name: str | None, record: RunRecord) -> str:
    """Log ``record`` as one run of ``experiment``; return the run id."""
    import mlflow

    use_experiment(experiment)
    candidate = record.candidate
    with mlflow.start_run(run_name=run_name) as run, tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        mlflow.log_params({k: str(v) for k, v in flatten("", record.config.to_dict()).items()})
        mlflow.log_params({"candidate.estimator": candidate.estimator, "candidate.drop": ",".join(candidate.drop)})
        mlflow.log_metrics(record.metrics)
        mlflow.set_tags(
            {
                "data_digest": record.digest,
                "git_commit": git_commit(),
                "feature_set": candidate.name,
                "candidate": candidate.name,
                "estimator": candidate.estimator,
                "model_format": "lightgbm-text" if record.model_dir is not None else "none",
                "command": record.metadata["training"]["command"],
                "python": sys.version.split()[0],
                "mlflow.note.content": candidate.meaning,  # the run's description in the UI
                **record.tags,
            }
        )
        _log_dataset(record)
        (tmp / "feature_importance.json").write_text(json.dumps(record.importance, indent=1))
        importance_plot(record.importance, tmp / "feature_importance.png", record.importance_measure)
        write_csv(page_table(record.data, record.texts), tmp / "page_errors.csv")
        names = ["feature_importance.json", "feature_importance.png", "page_errors.csv"]
        if record.regions is not None:
            confusion_plot(record.regions, tmp / "region_confusion.png")
            write_csv(confusion_rows(record.regions), tmp / "region_confusion.csv")
            names += ["region_confusion.png", "region_confusion.csv"]
        for name in names:
            mlflow.log_artifact(str(tmp / name))
        if record.model_dir is not None:
            mlflow.log_artifacts(str(record.model_dir), artifact_path="native_model")
            log_pyfunc(record.model_dir)
        return str(run.info.run_id)


def _log_dataset(record: RunRecord) -> None:
    import mlflow
    import pandas as pd

    index = pd.DataFrame(
        [
            {
                "page": p.key,
                "dataset": p.dataset,
                "site": p.group,
                "blocks": len(p.block_texts),
                "trainable": p.trainable,
            }
            for p in record.data
        ]
    )
    dataset = mlflow.data.from_pandas(  # type: ignore[attr-defined]
        index, source=",".join(str(c) for c in record.corpus), name="thresher-corpora", digest=record.digest[:16]
    )
    mlflow.log_input(dataset, context="training")


def log_pyfunc(model_dir: Path) -> None:
    """Log ``model_dir`` as an MLflow pyfunc model ("models from code": no pickle)."""
    import lightgbm as lgb
    import mlflow
    import pandas as pd
    from mlflow.models import ModelSignature
    from mlflow.types import ColSpec, DataType, Schema
    from mlflow.types.schema import Array

    signature = ModelSignature(
        inputs=Schema([ColSpec(DataType.string, "html"), ColSpec(DataType.string, "url", required=False)]),
        outputs=Schema(
            [
                ColSpec(DataType.string, "text"),
                ColSpec(DataType.string, "title"),
                ColSpec(Array(DataType.string), "labels"),
            ]
        ),
    )
    example = pd.DataFrame(
        {
            "html": [
                "<html><head><title>Storm</title></head><body><nav><a href='/'>Home</a></nav>"
                "<article><h1>Storm</h1><p>The storm reached the coast on Monday, officials said.</p>"
                "</article></body></html>"
            ],
            "url": ["https://example.org/storm"],
        }
    )
    mlflow.pyfunc.log_model(
        name=PYFUNC_NAME,
        python_model=str(PYFUNC_CODE),
        artifacts={"thresher_model": str(model_dir)},
        signature=signature,
        input_example=example,
        pip_requirements=[f"lightgbm=={lgb.__version__}", "lxml", "beautifulsoup4", "numpy", "pandas"],
    )
