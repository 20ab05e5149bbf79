"""Grouped cross-validation: every page is scored by a model that never saw its web site."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.model_selection import GroupKFold

from thresher.config import DEFAULT_CONFIG, Config
from thresher.inference.model import BlockModel
from thresher.inference.postprocess import BODY, assign_labels
from thresher.training.dataset import PageData, stack
from thresher.training.estimator import BlockClassifier


def page_text(page: PageData, model: BlockModel) -> str:
    """The text a model extracts from an already-parsed page."""
    if not page.block_texts:
        return ""
    labels = assign_labels(model.predict_proba(page.X), model.labels, model.inference)
    return "\n".join(t for t, label in zip(page.block_texts, labels, strict=True) if label == BODY)


def fold_of_pages(pages: Sequence[PageData], n_folds: int) -> np.ndarray:
    """Fold index per page; pages of one site group always share a fold."""
    groups = [p.group for p in pages]
    n_splits = min(n_folds, len(set(groups)))
    folds = np.zeros(len(pages), dtype=int)
    for k, (_, test) in enumerate(GroupKFold(n_splits=n_splits).split(np.zeros(len(pages)), groups=groups)):
        folds[test] = k
    return folds


def cross_validated_texts(pages: Sequence[PageData], config: Config = DEFAULT_CONFIG) -> dict[str, str]:
    """Extracted text per page key, each from the model trained on the other folds."""
    folds = fold_of_pages(pages, config.training.n_folds)
    texts: dict[str, str] = {}
    for k in sorted(set(folds.tolist())):
        train = [p for p, f in zip(pages, folds, strict=True) if f != k]
        X, y, w = stack(train)
        model = BlockClassifier(config).fit(X, y, w).to_model()
        for p, f in zip(pages, folds, strict=True):
            if f == k:
                texts[p.key] = page_text(p, model)
    return texts
