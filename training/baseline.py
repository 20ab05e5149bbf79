"""The LogisticRegression baseline: how much of LightGBM's quality a linear model already gets.

Two scikit-learn pipelines (constant imputation of the NaN context columns past a page's
ends, StandardScaler, LogisticRegression with a fixed ``random_state``) on the same feature
matrix and the same labels and weights as the LightGBM models: one for body/boilerplate,
one naming the kind of non-body blocks.  The baseline is *evaluation only*: it is scored
and logged like every candidate, but never saved (thresher loads no pickles, and the
registry only holds LightGBM models), so its runs carry the tag ``model_format=none``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from thresher.config import DEFAULT_CONFIG, Config, FeatureConfig, InferenceConfig
from thresher.features.registry import column_names
from thresher.inference.context import BlockLayout
from thresher.inference.model import combine_region_proba
from thresher.regions import NON_BODY_REGIONS
from thresher.training.dataset import PageData, stack, stack_regions
from thresher.training.labels import BODY

MAX_ITER = 300


def _pipeline(seed: int) -> Pipeline:
    return make_pipeline(
        SimpleImputer(strategy="constant", fill_value=0.0, keep_empty_features=True),
        StandardScaler(),
        LogisticRegression(max_iter=MAX_ITER, random_state=seed),
    )


class LogRegModel:
    """Body + region LogisticRegression pipelines behind the :class:`Predictor` interface."""

    def __init__(
        self,
        body: Pipeline,
        regions: Pipeline | None,
        keep: np.ndarray,
        feature_config: FeatureConfig,
        inference: InferenceConfig,
    ) -> None:
        self.body = body
        self.regions = regions
        self.keep = keep
        self.feature_config = feature_config
        self.inference = inference
        self.labels: list[str] = ["body", *NON_BODY_REGIONS] if regions is not None else ["boilerplate", "body"]

    def predict_proba(self, X: np.ndarray, layout: BlockLayout | None = None) -> np.ndarray:
        """Block probabilities (``layout`` is not read: this baseline has no context model)."""
        if X.shape[0] == 0:
            return np.zeros((0, len(self.labels)))
        X = X[:, self.keep]
        p_body = self.body.predict_proba(X)[:, list(self.body.classes_).index(BODY)]
        if self.regions is None:
            return np.column_stack([1.0 - p_body, p_body])
        return combine_region_proba(
            p_body, lambda rows: self._region_proba(X[rows]), len(NON_BODY_REGIONS), self.inference.region_threshold
        )

    def _region_proba(self, X: np.ndarray) -> np.ndarray:
        assert self.regions is not None
        out = np.zeros((X.shape[0], len(NON_BODY_REGIONS)))
        out[:, self.regions.classes_] = self.regions.predict_proba(X)
        return out

    def feature_importance(self) -> dict[str, float]:
        """|coefficient| of the body model per (standardised) column; 0 for dropped columns."""
        coef = np.zeros(len(self.keep))
        coef[self.keep] = np.abs(self.body[-1].coef_[0])
        return dict(zip(column_names(self.feature_config), map(float, coef), strict=True))


def fit_logreg(
    pages: Sequence[PageData], config: Config = DEFAULT_CONFIG, keep: np.ndarray | None = None
) -> LogRegModel:
    """Fit the baseline on ``pages`` with the labels and weights LightGBM gets."""
    mask = np.ones(len(column_names(config.features)), dtype=bool) if keep is None else keep
    seed = config.training.seed
    with warnings.catch_warnings(), threadpool_limits(config.training.num_threads):
        warnings.simplefilter("ignore", ConvergenceWarning)  # the baseline is capped at MAX_ITER on purpose
        X, y, w = stack(pages, config.training)
        body = _pipeline(seed).fit(X[:, mask], y, logisticregression__sample_weight=w)
        regions = None
        if config.training.regions:
            Xr, yr, wr = stack_regions(pages, config.training)
            if len(np.unique(yr)) > 1:
                regions = _pipeline(seed).fit(Xr[:, mask], yr, logisticregression__sample_weight=wr)
    return LogRegModel(body, regions, mask, config.features, config.inference)
