"""``thresher train``: labels → LightGBM → MLflow run (metrics on held-out sites + model).

One call does: read corpora → parse and label every page → grouped cross-validation
(k folds split by web site) for honest quality figures → fit the final model on all
pages → log parameters, metrics, the dataset digest, feature importances, a per-page error
table, the native model and an MLflow pyfunc model to one MLflow run → optionally save the
model folder (``--output``), e.g. as the default model shipped in the package.
"""

from __future__ import annotations

import csv
import json
import logging
import platform
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import sklearn

from thresher.config import DEFAULT_CONFIG, Config
from thresher.inference.model import BlockModel
from thresher.training.corpus import corpus_digest, read_corpora
from thresher.training.crossval import cross_validate, fit_model
from thresher.training.dataset import build_pages
from thresher.training.evaluate import (
    DatasetScores,
    RegionScores,
    block_scores,
    page_table,
    region_scores,
    rule_precision,
    score_datasets,
)
from thresher.training.tracking import flatten, git_commit, use_experiment
from thresher.vocabulary import load_vocabulary

log = logging.getLogger(__name__)
PYFUNC_CODE = Path(__file__).with_name("pyfunc_model.py")


@dataclass
class TrainResult:
    run_id: str | None
    model_dir: Path
    cv_scores: list[DatasetScores]
    metrics: dict[str, float]
    failed_pages: list[str] = field(default_factory=list)


def _versions() -> dict[str, str]:
    from thresher import __version__

    return {
        "thresher": __version__,
        "lightgbm": lgb.__version__,
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


def train(
    corpus: Sequence[Path | str],
    *,
    experiment: str = "thresher",
    output: Path | str | None = None,
    config: Config = DEFAULT_CONFIG,
    n_jobs: int = 2,
    run_name: str | None = None,
    command: str | None = None,
    log_to_mlflow: bool = True,
) -> TrainResult:
    """Train, cross-validate and log one model; see the module docstring."""
    started = time.perf_counter()
    pages = read_corpora(corpus)
    digest = corpus_digest(pages)
    data, failed = build_pages(pages, config, n_jobs=n_jobs)
    log.info("parsed %d pages (%d failed) in %.0f s", len(data), len(failed), time.perf_counter() - started)

    proba, texts, cv_model = cross_validate(data, config)
    cv_scores = score_datasets(data, texts)
    metrics: dict[str, float] = {}
    for scores in cv_scores:
        metrics.update(scores.metrics("cv_"))
    body_column = cv_model.labels.index("body")
    metrics.update(block_scores(data, proba, config.inference.body_threshold, body_column).as_dict("cv_block_body"))
    regions = region_scores(data, proba, cv_model.labels, config.inference)
    if regions is not None:
        metrics.update(regions.metrics("cv_gold_"))
        metrics["cv_gold_pages"] = float(regions.pages)
    rules = rule_precision(data)
    metrics.update({f"weak_rule_{name}_precision": value for name, (value, _) in rules.items()})

    n_blocks = sum(int(((p.y >= 0) & (p.weight > 0)).sum()) for p in data if p.trainable)
    metadata: dict[str, Any] = {
        "versions": _versions(),
        "training": {
            "data_digest": digest,
            "command": command or "thresher train " + " ".join(str(c) for c in corpus),
            "corpora": sorted({p.dataset for p in data}),
            "pages": len(data),
            "trainable_pages": sum(p.trainable for p in data),
            "blocks": n_blocks,
            "gold_pages": sum(bool((p.gold >= 0).any()) for p in data),
            "seed": config.training.seed,
            "vocabulary_digest": load_vocabulary().digest,
            "sites": sorted({p.group for p in data if p.trainable}),
        },
        "cv_metrics": {k: round(v, 4) for k, v in metrics.items()},
    }
    model = fit_model(data, config, metadata)
    model_dir = Path(output) if output else Path(tempfile.mkdtemp(prefix="thresher-model-"))
    model.save(model_dir)

    run_id = None
    if log_to_mlflow:
        run_id = _log_run(
            experiment, run_name, config, metrics, digest, data, texts, model, model_dir, metadata, corpus, regions
        )
    log.info("done in %.0f s", time.perf_counter() - started)
    return TrainResult(run_id=run_id, model_dir=model_dir, cv_scores=cv_scores, metrics=metrics, failed_pages=failed)


def _log_run(
    experiment: str,
    run_name: str | None,
    config: Config,
    metrics: dict[str, float],
    digest: str,
    data: Sequence[Any],
    texts: dict[str, str],
    model: BlockModel,
    model_dir: Path,
    metadata: dict[str, Any],
    corpus: Sequence[Path | str],
    regions: RegionScores | None = None,
) -> str:
    import mlflow
    import pandas as pd

    use_experiment(experiment)
    with mlflow.start_run(run_name=run_name) as run, tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        mlflow.log_params({k: str(v) for k, v in flatten("", config.to_dict()).items()})
        mlflow.log_metrics(metrics)
        mlflow.set_tags(
            {
                "data_digest": digest,
                "git_commit": git_commit(),
                "feature_set": "all",
                "command": metadata["training"]["command"],
                "python": sys.version.split()[0],
            }
        )
        index = pd.DataFrame(
            [
                {
                    "page": p.key,
                    "dataset": p.dataset,
                    "site": p.group,
                    "blocks": len(p.block_texts),
                    "trainable": p.trainable,
                }
                for p in data
            ]
        )
        dataset = mlflow.data.from_pandas(  # type: ignore[attr-defined]
            index, source=",".join(str(c) for c in corpus), name="thresher-corpora", digest=digest[:16]
        )
        mlflow.log_input(dataset, context="training")

        importance = dict(zip(model.feature_names, map(float, model.booster.feature_importance("gain")), strict=True))
        (tmp / "feature_importance.json").write_text(json.dumps(importance, indent=1))
        _importance_plot(importance, tmp / "feature_importance.png")
        rows = page_table(data, texts)
        _write_csv(rows, tmp / "page_errors.csv")
        names = ["feature_importance.json", "feature_importance.png", "page_errors.csv"]
        if regions is not None:
            _confusion_plot(regions, tmp / "region_confusion.png")
            names.append("region_confusion.png")
        for name in names:
            mlflow.log_artifact(str(tmp / name))
        mlflow.log_artifacts(str(model_dir), artifact_path="native_model")
        _log_pyfunc(model_dir)
        return str(run.info.run_id)


def _log_pyfunc(model_dir: Path) -> None:
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
        name="thresher",
        python_model=str(PYFUNC_CODE),
        artifacts={"thresher_model": str(model_dir)},
        signature=signature,
        input_example=example,
        pip_requirements=[f"lightgbm=={lgb.__version__}", "lxml", "beautifulsoup4", "numpy", "pandas"],
    )


def _importance_plot(importance: dict[str, float], path: Path, top: int = 30) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    items = sorted(importance.items(), key=lambda kv: kv[1], reverse=True)[:top][::-1]
    fig, ax = plt.subplots(figsize=(8, 0.28 * len(items) + 1))
    ax.barh([k for k, _ in items], [v for _, v in items])
    ax.set_xlabel("total gain")
    ax.set_title(f"LightGBM feature importance (top {len(items)})")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _confusion_plot(scores: RegionScores, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    matrix = scores.confusion
    fig, ax = plt.subplots(figsize=(9, 8))
    ax.imshow(np.log1p(matrix), cmap="Blues")
    ax.set_xticks(range(len(scores.labels)), scores.labels, rotation=45, ha="right")
    ax.set_yticks(range(len(scores.labels)), scores.labels)
    for i in range(matrix.shape[0]):
        for j in range(matrix.shape[1]):
            if matrix[i, j]:
                ax.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    ax.set_title(f"regions on gold blocks of held-out sites ({scores.pages} pages), macro-F1 {scores.macro_f1:.3f}")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _write_csv(rows: list[dict[str, Any]], path: Path) -> None:
    fields: list[str] = []
    for row in rows:
        fields.extend(k for k in row if k not in fields)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
