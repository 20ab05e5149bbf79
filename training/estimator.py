"""The block (or line) classifiers as scikit-learn estimators (fit / predict_proba) over LightGBM.

``kind`` says which feature columns they are fitted on: ``html`` blocks or ``text`` lines."""

from __future__ import annotations

from typing import Any

import lightgbm as lgb
import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from thresher.config import DEFAULT_CONFIG, Config
from thresher.inference.context import context_names
from thresher.inference.model import BlockModel, expected_columns
from thresher.regions import NON_BODY_REGIONS


class BlockClassifier(ClassifierMixin, BaseEstimator):
    """LightGBM on block features; deterministic for a fixed ``config.training.seed``.

    ``labels`` names the classes 0..k-1 of ``y``.  With ``context=True`` it is the body
    model's second look: its rows carry the context columns of
    :func:`thresher.inference.context.region_context` after the block features.
    """

    def __init__(
        self,
        config: Config = DEFAULT_CONFIG,
        labels: tuple[str, ...] = ("boilerplate", "body"),
        kind: str = "html",
        context: bool = False,
    ) -> None:
        self.config = config
        self.labels = labels
        self.kind = kind
        self.context = context

    def fit(self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None) -> BlockClassifier:
        params = self.config.training.lightgbm_params(len(self.labels))
        names = expected_columns(self.kind, self.config.features)
        if self.context:
            names += context_names(["body", *NON_BODY_REGIONS])
        train = lgb.Dataset(X, label=y, weight=sample_weight, feature_name=names, free_raw_data=True)
        self.booster_ = lgb.train(params, train, num_boost_round=self.config.training.num_boost_round)
        self.classes_ = np.arange(len(self.labels))
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        if self.context:  # its rows already hold the context columns
            p_body = np.asarray(self.booster_.predict(X, num_threads=1))
            return np.column_stack([1.0 - p_body, p_body])
        return self.to_model().predict_proba(X)

    def predict(self, X: np.ndarray) -> np.ndarray:
        return np.argmax(self.predict_proba(X), axis=1)

    def to_model(
        self,
        metadata: dict[str, Any] | None = None,
        regions: RegionClassifier | None = None,
        context: RegionClassifier | None = None,
        body_context: BlockClassifier | None = None,
    ) -> BlockModel:
        """The fitted booster(s) as a :class:`BlockModel` (what gets saved and shipped)."""
        return BlockModel(
            booster=self.booster_,
            labels=["body", *NON_BODY_REGIONS] if regions is not None else list(self.labels),
            feature_config=self.config.features,
            inference=self.config.inference,
            metadata=dict(metadata or {}),
            region_booster=regions.booster_ if regions is not None else None,
            kind=self.kind,
            context_booster=context.booster_ if context is not None else None,
            body_context_booster=body_context.booster_ if body_context is not None else None,
        )

    def feature_importance(self) -> dict[str, float]:
        gains = self.booster_.feature_importance(importance_type="gain")
        return dict(zip(self.booster_.feature_name(), map(float, gains), strict=True))


class RegionClassifier(ClassifierMixin, BaseEstimator):
    """Multi-class LightGBM naming the kind of a non-body block (``NON_BODY_REGIONS``).

    With ``context=True`` it is the context model: its rows carry the context columns of
    :func:`thresher.inference.context.region_context` after the block features.
    """

    def __init__(self, config: Config = DEFAULT_CONFIG, kind: str = "html", context: bool = False) -> None:
        self.config = config
        self.kind = kind
        self.context = context

    def fit(self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None) -> RegionClassifier:
        training = self.config.training
        params = training.lightgbm_params(
            len(NON_BODY_REGIONS), learning_rate=training.region_learning_rate, num_leaves=training.region_num_leaves
        )
        names = expected_columns(self.kind, self.config.features)
        if self.context:
            names += context_names(["body", *NON_BODY_REGIONS])
        train = lgb.Dataset(X, label=y, weight=sample_weight, feature_name=names, free_raw_data=True)
        self.booster_ = lgb.train(params, train, num_boost_round=training.region_rounds)
        self.classes_ = np.arange(len(NON_BODY_REGIONS))
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(self.booster_.predict(X, num_threads=1))

    def predict(self, X: np.ndarray) -> np.ndarray:
        return np.argmax(self.predict_proba(X), axis=1)
