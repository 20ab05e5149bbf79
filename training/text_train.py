"""``thresher train-text``: the plain-text line model, trained and evaluated like the HTML model.

corpora → parsed pages (as for the HTML model) → text renderings with line labels
(:mod:`thresher.training.text_data`) → grouped cross-validation by web site → line-level body
P/R/F1 and main-text / snippet F1 per dataset and rendering, beside the HTML model's
cross-validated texts of the same pages → final model on all pages → MLflow run → model folder.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from zlib import crc32

import numpy as np

from thresher.config import DEFAULT_CONFIG, Config
from thresher.errors import ThresherError
from thresher.inference.extract_text import line_labels
from thresher.inference.model import BlockModel, load_model
from thresher.inference.postprocess import BODY
from thresher.regions import REGION_NAMES
from thresher.training.corpus import corpus_digest, read_corpora
from thresher.training.crossval import cross_validate, fold_of_pages
from thresher.training.dataset import PageData, build_pages, class_balance
from thresher.training.estimator import BlockClassifier, RegionClassifier
from thresher.training.evaluate import DatasetScores, RegionScores, score_datasets
from thresher.training.metrics import Score
from thresher.training.text_data import VARIANTS, TextPage, text_pages
from thresher.training.train import library_versions
from thresher.vocabulary import load_form_phrases, load_metadata_phrases, load_vocabulary

log = logging.getLogger(__name__)
BODY_REGION = REGION_NAMES.index("body")


@dataclass
class TextTrainResult:
    run_id: str | None
    model_dir: Path
    metrics: dict[str, float]
    scores: dict[str, list[DatasetScores]]
    """Main-text/snippet scores per rendering, plus ``html`` for the HTML model on the same pages."""
    line_scores: dict[str, dict[str, Score]]
    """Line-level body scores per rendering and dataset."""
    failed_pages: list[str] = field(default_factory=list)
    region_scores: dict[str, RegionScores] = field(default_factory=dict)
    """Region labels of the gold pages' lines per rendering (held-out sites); empty without gold."""


def training_rendering(page: TextPage) -> bool:
    """True for the one rendering of each page that the model trains on.

    The three renderings of a page repeat the same lines; training on one per page (chosen
    by a hash of the page key, so every rendering is well represented across pages) costs a
    third and loses little.  Evaluation uses all three renderings of the held-out pages.
    """
    return VARIANTS[crc32(page.key.encode()) % len(VARIANTS)] == page.variant


def _stack(pages: Sequence[TextPage]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    chosen = [p for p in pages if p.trainable and len(p.lines)]
    if not chosen:
        raise ThresherError("no trainable text pages")
    X = np.vstack([p.X for p in chosen])
    y = np.concatenate([p.y for p in chosen])
    w = np.concatenate([p.weight for p in chosen])
    keep = (y >= 0) & (w > 0)
    return X[keep], y[keep], w[keep]


def _stack_regions(pages: Sequence[TextPage], config: Config) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Non-body lines with their carried-over kind; each page weighs ``scale / sqrt(lines)``,
    and classes are re-weighted as in the HTML region model (``region_class_balance``)."""
    X, y, w = [], [], []
    training = config.training
    for p in pages:
        keep = p.regions != BODY_REGION
        if keep.any():
            X.append(p.X[keep])
            y.append(np.where(p.regions[keep] > BODY_REGION, p.regions[keep] - 1, p.regions[keep]))
            n = float(keep.sum())
            w.append(np.full(int(n), training.page_weight_scale / n**training.page_weight_power))
    if not X:
        raise ThresherError("no non-body lines to train the region model on")
    labels, weights = np.concatenate(y), np.concatenate(w)
    return np.vstack(X), labels, weights * class_balance(labels, weights, training.region_class_balance)[labels]


def fit_text_model(pages: Sequence[TextPage], config: Config, metadata: dict[str, Any] | None = None) -> BlockModel:
    """Body model plus region model on lines (``kind="text"``), from one rendering per page."""
    pages = [p for p in pages if training_rendering(p)]
    X, y, w = _stack(pages)
    body = BlockClassifier(config, kind="text").fit(X, y, w)
    Xr, yr, wr = _stack_regions(pages, config)
    regions = RegionClassifier(config, kind="text").fit(Xr, yr, wr) if len(np.unique(yr)) > 1 else None
    return body.to_model(metadata, regions)


def body_text(page: TextPage, labels: Sequence[str]) -> str:
    return "\n".join(line.text for line, label in zip(page.lines, labels, strict=True) if label == BODY)


def _line_score(pages: Sequence[TextPage], predicted: dict[tuple[str, str], list[str]]) -> Score:
    tp = fp = fn = 0
    for p in pages:
        known = p.y >= 0
        pred = np.array([label == BODY for label in predicted[(p.key, p.variant)]], dtype=bool)
        gold = p.y == 1
        tp += int((pred & gold & known).sum())
        fp += int((pred & ~gold & known).sum())
        fn += int((~pred & gold & known).sum())
    return Score(tp / (tp + fp) if tp + fp else 0.0, tp / (tp + fn) if tp + fn else 0.0, len(pages))


def line_region_scores(
    pages: Sequence[TextPage], predicted: Mapping[tuple[str, str], Sequence[str]]
) -> RegionScores | None:
    """Predicted line labels against the hand labels of gold pages' lines (None without gold).

    Lines are pooled like blocks in :func:`thresher.training.evaluate.region_scores`; a line
    takes the gold label of the block it comes from.
    """
    gold: list[str] = []
    labels: list[str] = []
    n_pages = 0
    for p in pages:
        known = p.gold >= 0
        if not known.any() or (p.key, p.variant) not in predicted:
            continue
        n_pages += 1
        gold += [REGION_NAMES[g] for g in p.gold[known]]
        labels += list(np.asarray(predicted[(p.key, p.variant)], dtype=object)[known])
    if not gold:
        return None
    return RegionScores.from_labels(gold, labels, n_pages)


def build_text_pages(
    data: Sequence[PageData], html_model: BlockModel, config: Config = DEFAULT_CONFIG
) -> list[TextPage]:
    return [tp for page in data for tp in text_pages(page, html_model, config)]


def train_text(
    corpus: Sequence[Path | str],
    *,
    output: Path | str | None = None,
    experiment: str = "thresher-text",
    config: Config = DEFAULT_CONFIG,
    html_model: BlockModel | Path | str | None = None,
    compare_html: bool = True,
    n_jobs: int = 2,
    command: str | None = None,
    log_to_mlflow: bool = True,
) -> TextTrainResult:
    """Train, cross-validate by site and log the line model; see the module docstring."""
    started = time.perf_counter()
    html_config = config
    t = config.training
    config = replace(
        config,
        training=replace(
            t, num_boost_round=t.text_num_boost_round, region_rounds=t.text_region_rounds, n_folds=t.text_n_folds
        ),
    )
    pages = read_corpora(corpus)
    digest = corpus_digest(pages)
    data, failed = build_pages(pages, config, n_jobs=n_jobs)
    labeller = load_model(html_model)
    texts_pages = build_text_pages(data, labeller, config)
    log.info("%d pages → %d text renderings in %.0f s", len(data), len(texts_pages), time.perf_counter() - started)

    # Grouped CV: the same site folds as the HTML model, all renderings of a page in one fold.
    folds = dict(zip((p.key for p in data), fold_of_pages(data, config.training.n_folds).tolist(), strict=True))
    predicted: dict[tuple[str, str], list[str]] = {}
    for k in sorted(set(folds.values())):
        model = fit_text_model([p for p in texts_pages if folds[p.key] != k], config)
        for p in texts_pages:
            if folds[p.key] == k:
                predicted[(p.key, p.variant)] = line_labels(model.predict_proba(p.X), p.X, model) if p.lines else []
        log.info("text fold %d done (%.0f s)", k, time.perf_counter() - started)

    metrics: dict[str, float] = {}
    scores: dict[str, list[DatasetScores]] = {}
    line_scores: dict[str, dict[str, Score]] = {}
    region_scores: dict[str, RegionScores] = {}
    for variant in VARIANTS:
        chosen = [p for p in texts_pages if p.variant == variant]
        texts = {p.key: body_text(p, predicted[(p.key, variant)]) for p in chosen}
        scores[variant] = score_datasets(data, texts)
        for s in scores[variant]:
            metrics.update(s.metrics(f"cv_text_{variant}_"))
        line_scores[variant] = {}
        for dataset in sorted({p.dataset for p in chosen}):
            score = _line_score([p for p in chosen if p.dataset == dataset], predicted)
            line_scores[variant][dataset] = score
            metrics.update(score.as_dict(f"cv_text_{variant}_{dataset}_line_body"))
        regions = line_region_scores(chosen, predicted)
        if regions is not None:
            region_scores[variant] = regions
            metrics.update(regions.metrics(f"cv_text_{variant}_"))
    if compare_html:
        # The region model never changes which blocks are body, so the body model alone gives
        # the HTML texts, at a fraction of the cost.
        body_only = replace(html_config, training=replace(html_config.training, regions=False))
        _, html_texts, _ = cross_validate(data, body_only)
        scores["html"] = score_datasets(data, html_texts)
        for s in scores["html"]:
            metrics.update(s.metrics("cv_html_"))

    metadata: dict[str, Any] = {
        "versions": library_versions(),
        "training": {
            "data_digest": digest,
            "command": command or "thresher train-text --corpus " + " ".join(str(c) for c in corpus),
            "pages": len(data),
            "renderings": list(VARIANTS),
            "labelled_by": {"html_model": labeller.checksums(), "gold": True},
            "vocabulary_digest": load_vocabulary().digest,
            "form_vocabulary_digest": load_form_phrases().digest,
            "metadata_vocabulary_digest": load_metadata_phrases().digest,
            "seed": config.training.seed,
        },
        "cv_metrics": {k: round(v, 4) for k, v in metrics.items()},
    }
    final = fit_text_model(texts_pages, config, metadata)
    model_dir = Path(output) if output else Path(tempfile.mkdtemp(prefix="thresher-text-model-"))
    final.save(model_dir)
    run_id = _log_run(experiment, config, metrics, digest, model_dir, metadata) if log_to_mlflow else None
    log.info("done in %.0f s", time.perf_counter() - started)
    return TextTrainResult(run_id, model_dir, metrics, scores, line_scores, failed, region_scores=region_scores)


def _log_run(
    experiment: str, config: Config, metrics: dict[str, float], digest: str, model_dir: Path, meta: dict[str, Any]
) -> str:
    import mlflow

    from thresher.training.tracking import flatten, git_commit, use_experiment

    use_experiment(experiment)
    with mlflow.start_run(run_name="text-lines") as run:
        mlflow.log_params({k: str(v) for k, v in flatten("", config.to_dict()).items()})
        mlflow.log_metrics(metrics)
        mlflow.set_tags(
            {
                "data_digest": digest,
                "git_commit": git_commit(),
                "feature_set": "lines",
                "model_kind": "text",
                "command": meta["training"]["command"],
            }
        )
        mlflow.log_artifacts(str(model_dir), artifact_path="native_model")
        return str(run.info.run_id)
