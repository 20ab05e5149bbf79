"""``thresher train``: labels → LightGBM → MLflow run (metrics on held-out sites + model).

One call does: read corpora → parse and label every page (once) → for each model candidate
(``training/candidates.py``; the plain ``train`` is the ``all`` candidate): grouped
cross-validation (k folds split by web site) for honest quality figures → fit the final
model on all pages → time inference on a fixed page sample → log parameters, metrics, the
dataset digest, feature importances, a per-page error table, the region confusion matrix,
and for LightGBM candidates the native model and an MLflow pyfunc model to one MLflow run
→ optionally save the model folder (``--output``), e.g. as the default model shipped in the
package.

Candidates of one command are *sibling* runs sharing the tag ``sweep_id`` (not nested
under a parent run), so the UI's runs table and "compare" view show them side by side.
"""

from __future__ import annotations

import logging
import platform
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import sklearn

from thresher.config import DEFAULT_CONFIG, Config
from thresher.errors import ThresherError
from thresher.inference.model import BlockModel, Predictor
from thresher.training.baseline import LogRegModel, fit_logreg
from thresher.training.candidates import DEFAULT, Candidate
from thresher.training.corpus import CorpusPage, corpus_digest, read_corpora
from thresher.training.crossval import Fit, cross_validate, fit_model
from thresher.training.dataset import PageData, build_pages
from thresher.training.evaluate import (
    DatasetScores,
    RegionScores,
    block_scores,
    region_scores,
    rule_precision,
    score_datasets,
)
from thresher.training.gold import gold_digest, load_gold
from thresher.training.run_log import RunRecord, log_run
from thresher.training.speed import inference_pages_per_s
from thresher.vocabulary import load_vocabulary

log = logging.getLogger(__name__)


@dataclass
class TrainResult:
    run_id: str | None
    model_dir: Path | None
    """The saved model folder; None for evaluation-only candidates (the logreg baseline)."""
    cv_scores: list[DatasetScores]
    metrics: dict[str, float]
    failed_pages: list[str] = field(default_factory=list)
    candidate: str = DEFAULT.name


@dataclass
class Prepared:
    """The corpus parsed and labelled once, shared by every candidate of a command that trains
    with the same config."""

    corpus: list[Path | str]
    pages: list[CorpusPage]
    digest: str
    gold_digest: str
    """Of the hand labels of these pages (``data/gold``)."""
    data: list[PageData]
    failed: list[str]
    command: str
    config: Config
    """The config the pages were labelled with: some training fields (``body_token_share``,
    ``min_truth_coverage``) change the labels, not only the fit."""


def library_versions() -> dict[str, str]:
    """Versions of thresher and the libraries a model depends on (recorded in its metadata)."""
    from thresher import __version__

    return {
        "thresher": __version__,
        "lightgbm": lgb.__version__,
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


def prepare(
    corpus: Sequence[Path | str], config: Config = DEFAULT_CONFIG, n_jobs: int = 2, command: str | None = None
) -> Prepared:
    started = time.perf_counter()
    pages = read_corpora(corpus)
    keys = {p.key for p in pages}
    gold = {key: page for key, page in load_gold().items() if key in keys}
    data, failed = build_pages(pages, config, n_jobs=n_jobs, gold=gold)
    log.info("parsed %d pages (%d failed) in %.0f s", len(data), len(failed), time.perf_counter() - started)
    return Prepared(
        corpus=list(corpus),
        pages=pages,
        digest=corpus_digest(pages),
        gold_digest=gold_digest(gold),
        data=data,
        failed=failed,
        command=command or "thresher train " + " ".join(str(c) for c in corpus),
        config=config,
    )


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
    """Train, cross-validate and log one model (the ``all`` candidate); see the module docstring."""
    prepared = prepare(corpus, config, n_jobs, command)
    return train_candidate(
        prepared, DEFAULT, config, experiment=experiment, output=output, run_name=run_name, log_to_mlflow=log_to_mlflow
    )


def train_candidates(
    corpus: Sequence[Path | str],
    candidates: Sequence[Candidate],
    *,
    experiment: str = "thresher",
    config: Config = DEFAULT_CONFIG,
    n_jobs: int = 2,
    command: str | None = None,
) -> list[TrainResult]:
    """One cross-validated, logged run per candidate (tagged with one ``sweep_id``).  The corpus is
    parsed once, and again only for a candidate whose training fields change the config."""
    sweep_id = uuid.uuid4().hex[:12]
    prepared: Prepared | None = None
    results = []
    for c in candidates:
        wanted = c.configure(config)
        if prepared is None or prepared.config != wanted:
            prepared = None  # one parsed corpus in memory at a time
            prepared = prepare(corpus, wanted, n_jobs, command)
        tags = {"sweep_id": sweep_id}
        results.append(train_candidate(prepared, c, config, experiment=experiment, run_name=c.name, tags=tags))
    return results


def fitter(candidate: Candidate, config: Config) -> Fit:
    """The candidate's estimator with its column mask, as a pages → model function."""
    keep = candidate.keep_mask(config.features)
    if candidate.estimator == "logreg":
        return partial(fit_logreg, config=config, keep=keep)
    return partial(fit_model, config=config, keep=keep)


def cv_metrics(
    data: Sequence[PageData], proba: dict[str, np.ndarray], texts: dict[str, str], model: Predictor, config: Config
) -> tuple[dict[str, float], list[DatasetScores], RegionScores | None]:
    """The metrics every run logs under the same names, from out-of-fold predictions."""
    cv_scores = score_datasets(data, texts)
    metrics: dict[str, float] = {}
    for scores in cv_scores:
        metrics.update(scores.metrics("cv_"))
    body_column = model.labels.index("body")
    metrics.update(block_scores(data, proba, config.inference.body_threshold, body_column).as_dict("cv_block_body"))
    regions = region_scores(data, proba, model.labels, config.inference)
    if regions is not None:
        metrics.update(regions.metrics("cv_gold_"))
        metrics["cv_gold_pages"] = float(regions.pages)
        for weighting, prefix in (("pages", "cv_gold_page_weighted_"), ("tokens", "cv_gold_token_weighted_")):
            weighted = region_scores(data, proba, model.labels, config.inference, weighting)
            if weighted is not None:
                metrics.update(weighted.metrics(prefix))
        for dataset in sorted({p.dataset for p in data}):
            # Region scores per dataset, so a user sees whether their kind of page is served.
            part = region_scores([p for p in data if p.dataset == dataset], proba, model.labels, config.inference)
            if part is not None:
                metrics[f"cv_gold_{dataset}_region_macro_f1"] = part.macro_f1
                metrics[f"cv_gold_{dataset}_region_body_f1"] = part.f1[part.labels.index("body")]
                metrics[f"cv_gold_{dataset}_pages"] = float(part.pages)
    rules = rule_precision(data)
    metrics.update({f"weak_rule_{name}_precision": value for name, (value, _) in rules.items()})
    return metrics, cv_scores, regions


def _metadata(prepared: Prepared, candidate: Candidate, config: Config, metrics: dict[str, float]) -> dict[str, Any]:
    data = prepared.data
    n_blocks = sum(int(((p.y >= 0) & (p.weight > 0)).sum()) for p in data if p.trainable)
    return {
        "versions": library_versions(),
        "training": {
            "data_digest": prepared.digest,
            "command": prepared.command,
            "candidate": candidate.name,
            "dropped_feature_groups": list(candidate.drop),
            "corpora": sorted({p.dataset for p in data}),
            "pages": len(data),
            "trainable_pages": sum(p.trainable for p in data),
            "blocks": n_blocks,
            "gold_pages": sum(bool((p.gold >= 0).any()) for p in data),
            "gold_digest": prepared.gold_digest,
            "seed": config.training.seed,
            "vocabulary_digest": load_vocabulary().digest,
            "sites": sorted({p.group for p in data if p.trainable}),
        },
        "cv_metrics": {k: round(v, 4) for k, v in metrics.items()},
    }


def _importance(model: Predictor) -> tuple[dict[str, float], str]:
    if isinstance(model, LogRegModel):
        return model.feature_importance(), "|coefficient| on standardised features (body model)"
    assert isinstance(model, BlockModel)
    gains = map(float, model.booster.feature_importance("gain"))
    return dict(zip(model.feature_names, gains, strict=True)), "total gain (body model)"


def train_candidate(
    prepared: Prepared,
    candidate: Candidate,
    config: Config = DEFAULT_CONFIG,
    *,
    experiment: str = "thresher",
    output: Path | str | None = None,
    run_name: str | None = None,
    tags: dict[str, str] | None = None,
    log_to_mlflow: bool = True,
) -> TrainResult:
    """Cross-validate, fit, time and log one candidate on already-parsed pages."""
    started = time.perf_counter()
    config = candidate.configure(config)
    if config != prepared.config:
        raise ThresherError(
            f"candidate {candidate.name!r} trains with another config than its pages were labelled "
            "with; prepare them with candidate.configure(config)"
        )
    fit = fitter(candidate, config)
    proba, texts, cv_model = cross_validate(prepared.data, config, fit)
    metrics, cv_scores, regions = cv_metrics(prepared.data, proba, texts, cv_model, config)
    metadata = _metadata(prepared, candidate, config, metrics)
    if candidate.saves_model:
        model: Predictor = fit_model(prepared.data, config, metadata, keep=candidate.keep_mask(config.features))
    else:
        model = fit(prepared.data)
    metrics["inference_pages_per_s"] = inference_pages_per_s(model, prepared.pages)
    model_dir = None
    if isinstance(model, BlockModel):
        model_dir = Path(output) if output else Path(tempfile.mkdtemp(prefix=f"thresher-{candidate.name}-"))
        model.save(model_dir)
    run_id = None
    if log_to_mlflow:
        importance, measure = _importance(model)
        record = RunRecord(
            candidate=candidate,
            config=config,
            metrics=metrics,
            digest=prepared.digest,
            data=prepared.data,
            texts=texts,
            importance=importance,
            importance_measure=measure,
            metadata=metadata,
            corpus=prepared.corpus,
            regions=regions,
            model_dir=model_dir,
            tags=tags or {},
        )
        run_id = log_run(experiment, run_name, record)
    log.info("candidate %s done in %.0f s", candidate.name, time.perf_counter() - started)
    return TrainResult(run_id, model_dir, cv_scores, metrics, prepared.failed, candidate.name)
