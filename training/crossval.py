"""Grouped cross-validation: every page is scored by a model that never saw its web site."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
from sklearn.model_selection import GroupKFold

from thresher.config import DEFAULT_CONFIG, Config
from thresher.inference.context import region_context
from thresher.inference.model import BlockModel, Predictor
from thresher.inference.postprocess import BODY, assign_labels
from thresher.training.dataset import PageData, region_rows, stack, stack_regions
from thresher.training.estimator import BlockClassifier, RegionClassifier

Fit = Callable[[Sequence[PageData]], Predictor]
"""Pages → fitted model; what cross-validation refits on each fold."""


def text_from_proba(page: PageData, proba: np.ndarray, model: Predictor) -> str:
    """The body text that block probabilities give for an already-parsed page."""
    if not page.block_texts:
        return ""
    labels = assign_labels(proba, model.labels, model.inference)
    return "\n".join(t for t, label in zip(page.block_texts, labels, strict=True) if label == BODY)


def fit_model(
    pages: Sequence[PageData],
    config: Config = DEFAULT_CONFIG,
    metadata: dict[str, Any] | None = None,
    keep: np.ndarray | None = None,
) -> BlockModel:
    """The body model, plus the region model when ``config.training.regions``, fitted on ``pages``.

    ``keep`` (a boolean mask over the feature columns) blanks the other columns before
    fitting, so the model never uses them yet still reads the full feature matrix.
    """
    X, y, w = stack(pages, config.training)
    if keep is not None:
        X[:, ~keep] = 0.0
    body = BlockClassifier(config).fit(X, y, w)
    regions = context = body_context = None
    if config.training.regions:
        Xr, yr, wr = stack_regions(pages, config.training)
        if keep is not None:
            Xr[:, ~keep] = 0.0
        if len(np.unique(yr)) > 1:
            regions = RegionClassifier(config).fit(Xr, yr, wr)
            context, body_context = fit_context(pages, config, keep)
    return body.to_model(metadata, regions, context, body_context)


def fit_context(
    pages: Sequence[PageData], config: Config = DEFAULT_CONFIG, keep: np.ndarray | None = None
) -> tuple[RegionClassifier | None, BlockClassifier | None]:
    """The second looks (:mod:`thresher.inference.context`): the region context model when
    ``config.training.region_context`` and the body context model when
    ``config.training.body_context``; None for each the pages cannot support (fewer than two
    site groups, or a fold without region labels).

    They must learn from probabilities like those they will see on new sites, so each page's
    first-stage probabilities come from body and region models fitted on the other site
    groups (``config.training.context_folds`` folds), never from ones that saw the page.
    """
    training = config.training
    if (
        not (training.region_context or training.body_context)
        or len({p.group for p in pages}) < 2
        or training.context_folds < 2
    ):
        return None, None
    first_only = replace(config, training=replace(training, region_context=False, body_context=False))
    any_gold = any((p.gold >= 0).any() for p in pages)
    wanted = [
        (training.region_context and region_rows(p, training, any_gold) is not None)
        or (training.body_context and (p.trainable or bool((p.gold >= 0).any())))
        for p in pages
    ]
    folds = fold_of_pages(pages, training.context_folds)
    first: dict[str, np.ndarray] = {}
    for k in sorted(set(folds.tolist())):
        model = fit_model([p for p, f in zip(pages, folds, strict=True) if f != k], first_only, keep=keep)
        if model.region_booster is None:
            return None, None
        for p, f, w in zip(pages, folds, wanted, strict=True):
            if f == k and w:
                first[p.key] = model.predict_proba(p.X)
    seen = [p for p in pages if p.key in first]

    def columns(p: PageData) -> np.ndarray:
        X = p.X if keep is None else np.where(keep, p.X, 0.0)
        return np.hstack([X, region_context(first[p.key], p.layout)])

    context = body_context = None
    if training.region_context:
        Xc, yc, wc = stack_regions(seen, training, columns)
        if len(np.unique(yc)) > 1:
            context = RegionClassifier(config, context=True).fit(Xc, yc, wc)
    if training.body_context:
        Xb, yb, wb = stack(seen, training, columns=columns)
        if len(np.unique(yb)) > 1:
            body_context = BlockClassifier(config, context=True).fit(Xb, yb, wb)
    return context, body_context


def fold_of_pages(pages: Sequence[PageData], n_folds: int) -> np.ndarray:
    """Fold index per page; pages of one site group always share a fold."""
    groups = [p.group for p in pages]
    n_splits = min(n_folds, len(set(groups)))
    folds = np.zeros(len(pages), dtype=int)
    for k, (_, test) in enumerate(GroupKFold(n_splits=n_splits).split(np.zeros(len(pages)), groups=groups)):
        folds[test] = k
    return folds


def cross_validate(
    pages: Sequence[PageData], config: Config = DEFAULT_CONFIG, fit: Fit | None = None
) -> tuple[dict[str, np.ndarray], dict[str, str], Predictor]:
    """Out-of-fold block probabilities and texts per page key (each from the model trained
    on the other folds), plus the last fold's model (for its labels and settings).

    ``fit`` trains one fold's model (default: :func:`fit_model` with ``config``)."""
    folds = fold_of_pages(pages, config.training.n_folds)
    proba: dict[str, np.ndarray] = {}
    texts: dict[str, str] = {}
    model: Predictor | None = None
    for k in sorted(set(folds.tolist())):
        train_pages = [p for p, f in zip(pages, folds, strict=True) if f != k]
        model = fit(train_pages) if fit is not None else fit_model(train_pages, config)
        for p, f in zip(pages, folds, strict=True):
            if f == k:
                proba[p.key] = model.predict_proba(p.X, p.layout)
                texts[p.key] = text_from_proba(p, proba[p.key], model)
    if model is None:
        raise ValueError("cross-validation needs at least one page")
    return proba, texts, model
