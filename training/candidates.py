"""The model candidates that ``thresher train --candidates`` compares, declared in one place.

The feature matrix is built once per training command; candidates differ by which
feature columns they may use, by their estimator, and by the settings they change
(``Candidate.settings``, read like ``thresher train --set``).  A dropped column is not removed
from the matrix: it is blanked (set to 0) before fitting, so a LightGBM candidate never
splits on it, its importance is 0, and the saved model still reads the full feature
matrix that ``thresher.extract`` computes.  One model format, one loader.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from thresher.config import Config, FeatureConfig, with_overrides
from thresher.errors import ThresherError
from thresher.features.registry import REGISTRY, column_names

CONTEXT = "context"
"""The group of the ``name@offset`` columns: the features of the neighbouring blocks."""

Estimator = Literal["lightgbm", "logreg"]


@dataclass(frozen=True)
class Candidate:
    name: str
    meaning: str
    drop: tuple[str, ...] = ()
    """Feature groups it may not use: registry feature names, or ``CONTEXT``."""
    estimator: Estimator = "lightgbm"
    settings: tuple[str, ...] = ()
    """``section.field=value`` settings this candidate trains with (:func:`with_overrides`)."""

    def configure(self, config: Config) -> Config:
        """The config this candidate trains with: ``config`` with its settings applied."""
        if not self.settings:
            return config
        try:
            return with_overrides(config, self.settings)
        except ThresherError as error:
            raise ThresherError(f"candidate {self.name!r}: {error}") from error

    def keep_mask(self, config: FeatureConfig) -> np.ndarray:
        """True for the columns this candidate may use, in ``column_names(config)`` order."""
        groups = column_groups(config)
        unknown = set(self.drop) - set(groups)
        if unknown:
            raise ThresherError(f"candidate {self.name!r} drops unknown feature groups {sorted(unknown)}")
        return np.array([g not in self.drop for g in groups], dtype=bool)

    @property
    def saves_model(self) -> bool:
        """LightGBM candidates log a loadable thresher model; the baseline is evaluation-only."""
        return self.estimator == "lightgbm"


CANDIDATES: dict[str, Candidate] = {
    c.name: c
    for c in (
        Candidate("all", "LightGBM on every feature (the recipe of the shipped model)"),
        Candidate(
            "no_attr_tokens",
            "LightGBM without the hashed class/id word pieces (for sites with hashed CSS class names)",
            drop=("own_attr", "ancestor_attr"),
        ),
        Candidate("no_context", "LightGBM without the features copied from neighbouring blocks", drop=(CONTEXT,)),
        Candidate(
            "deep_regions",
            "LightGBM with 127-leaf region models: better region labels, slower extraction",
            settings=("training.region_num_leaves=127",),
        ),
        Candidate(
            "logreg",
            "scikit-learn StandardScaler + LogisticRegression baseline on every feature (evaluation only)",
            estimator="logreg",
        ),
    )
}
DEFAULT = CANDIDATES["all"]


def column_groups(config: FeatureConfig) -> list[str]:
    """The feature group of every column: its registry feature name, or ``CONTEXT``."""
    groups = [f.name for f in REGISTRY for _ in f.column_names()]
    groups += [CONTEXT] * (len(column_names(config)) - len(groups))
    return groups


def select(names: Iterable[str]) -> list[Candidate]:
    """Candidates by name; each item may hold several, comma-separated (``all,logreg``)."""
    chosen: list[Candidate] = []
    for item in names:
        for name in filter(None, (n.strip() for n in item.split(","))):
            if name not in CANDIDATES:
                raise ThresherError(f"unknown candidate {name!r}; candidates are {', '.join(CANDIDATES)}")
            if CANDIDATES[name] not in chosen:
                chosen.append(CANDIDATES[name])
    if not chosen:
        raise ThresherError(f"no candidate named; candidates are {', '.join(CANDIDATES)}")
    return chosen
