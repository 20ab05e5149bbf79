"""The context models: second region and body models reading the first look's probabilities around each block."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.synthetic import toy_page
from thresher.config import DEFAULT_CONFIG, Config
from thresher.errors import ModelError
from thresher.features.registry import column_names
from thresher.inference.context import BlockLayout, context_names, context_width, region_context
from thresher.inference.model import BODY_CONTEXT_MODEL_FILE, CONTEXT_MODEL_FILE, BlockModel, combine_region_proba
from thresher.regions import NON_BODY_REGIONS, REGION_NAMES
from thresher.training.dataset import PageData

LABELS = ["body", *NON_BODY_REGIONS]


def test_context_columns_average_over_list_template_and_page() -> None:
    proba = np.array([[0.9, 0.1, 0.0], [0.1, 0.5, 0.4], [0.0, 0.2, 0.8], [0.0, 0.6, 0.4]])
    layout = BlockLayout(np.array([7, 7, 3, 3]), np.array([1, 2, 1, 2]), np.zeros(4, dtype=bool))
    names = context_names(["body", "latest", "suggested"])
    ctx = region_context(proba, layout)
    assert ctx.shape == (4, len(names)) == (4, context_width(3))
    col = {name: ctx[:, i] for i, name in enumerate(names)}
    np.testing.assert_allclose(col["ctx_container_latest"], [0.3, 0.3, 0.4, 0.4])  # siblings share a mean
    np.testing.assert_allclose(col["ctx_template_suggested"], [0.4, 0.4, 0.4, 0.4])
    np.testing.assert_allclose(col["ctx_container_log_size"], np.log1p([2, 2, 2, 2]))
    np.testing.assert_allclose(col["ctx_page_body"], [0.25] * 4)
    np.testing.assert_allclose(col["ctx_window_latest"][0], (0.5 + 0.2) / 4)  # padded beyond the page
    np.testing.assert_allclose(col["ctx_before_body"], [0.0, 0.9, 0.5, 1.0 / 3])
    np.testing.assert_allclose(col["ctx_body_above"], [0.0, 0.9, 1.0, 1.0])
    empty = BlockLayout(np.zeros(0), np.zeros(0), np.zeros(0, dtype=bool))
    assert region_context(np.zeros((0, 3)), empty).shape == (0, context_width(3))


def test_a_context_model_round_trips_and_needs_the_layout(context_model: BlockModel, tmp_path: Path) -> None:
    X = np.random.default_rng(1).normal(size=(12, len(column_names()))).astype(np.float32)
    X[:, column_names().index("log_tokens")] = np.log1p(10.0)  # token counts the keep guard can sum
    layout = BlockLayout(np.repeat([0, 1, 2], 4), np.tile([0, 1], 6), np.zeros(12, dtype=bool))
    # On random features the keep guard (tested below) may veto the body's second look; off here.
    context_model = replace(context_model, inference=replace(context_model.inference, body_context_keep=0.0))
    proba = context_model.predict_proba(X, layout)
    assert proba.shape == (12, len(LABELS))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    first = replace(context_model, context_booster=None, body_context_booster=None).predict_proba(X)
    assert not np.allclose(proba[:, 1:], first[:, 1:])  # the second looks are different models
    assert not np.allclose(proba[:, 0], first[:, 0])
    body_only = replace(context_model, context_booster=None).predict_proba(X, layout)
    np.testing.assert_allclose(body_only[:, 0], proba[:, 0])  # P(body) is the body model's second look
    with pytest.raises(ModelError, match="BlockLayout"):
        context_model.predict_proba(X)

    context_model.save(tmp_path)
    assert (tmp_path / CONTEXT_MODEL_FILE).read_text().startswith("tree")  # LightGBM text, no pickle
    loaded = BlockModel.load(tmp_path)
    np.testing.assert_allclose(loaded.predict_proba(X, layout), proba)

    for part in (CONTEXT_MODEL_FILE, BODY_CONTEXT_MODEL_FILE):
        assert (tmp_path / part).read_text().startswith("tree")  # LightGBM text, no pickle
        original = (tmp_path / part).read_text()
        (tmp_path / part).write_text(original + "\n")
        with pytest.raises(ModelError, match="checksum"):
            BlockModel.load(tmp_path)
        (tmp_path / part).unlink()
        with pytest.raises(ModelError, match="missing"):
            BlockModel.load(tmp_path)
        (tmp_path / part).write_text(original)


class _Fixed:
    """A booster stand-in that returns given probabilities, so the guard's arithmetic is checked exactly."""

    def __init__(self, proba: np.ndarray) -> None:
        self.proba = proba

    def predict(self, X: np.ndarray, num_threads: int = 1) -> np.ndarray:
        return self.proba[: len(X)]


def test_the_body_second_look_is_kept_only_when_it_keeps_enough_body(context_model: BlockModel) -> None:
    X = np.random.default_rng(1).normal(size=(12, len(column_names()))).astype(np.float32)
    X[:, column_names().index("log_tokens")] = np.log1p(10.0)  # every block ten tokens long
    layout = BlockLayout(np.repeat([0, 1, 2], 4), np.tile([0, 1], 6), np.zeros(12, dtype=bool))
    first = replace(context_model, body_context_booster=None).predict_proba(X, layout)[:, 0]
    threshold = context_model.inference.body_threshold
    assert (first >= threshold).any()  # the first look finds some body, so the guard has a say

    def body(keep: float) -> np.ndarray:
        guarded = replace(context_model, inference=replace(context_model.inference, body_context_keep=keep))
        return guarded.predict_proba(X, layout)[:, 0]

    assert not np.allclose(body(0.0), first)  # no guard: the second look decides
    np.testing.assert_allclose(body(1e9), first)  # nothing can keep 1e9 times the body: first look stays


def test_the_body_second_look_may_not_empty_a_page(context_model: BlockModel) -> None:
    X = np.zeros((4, len(column_names())), dtype=np.float32)
    X[:, column_names().index("log_tokens")] = np.log1p([20, 10, 10, 60])
    layout = BlockLayout(np.zeros(4, dtype=np.int64), np.zeros(4, dtype=np.int64), np.zeros(4, dtype=bool))
    first = np.full(4, 0.95)  # the first look: the whole page is story

    def body_proba(second: list[float]) -> np.ndarray:
        model = replace(context_model, booster=_Fixed(first), body_context_booster=_Fixed(np.array(second)))
        return model.predict_proba(X, layout)[:, 0]

    # Keeping 40 of 100 body tokens (the default keep share is 0.3): the second look stands.
    np.testing.assert_allclose(body_proba([0.9, 0.9, 0.9, 0.1]), [0.9, 0.9, 0.9, 0.1])
    # Keeping 20 of 100 or none: the page would lose its story, so the first look stands.
    np.testing.assert_allclose(body_proba([0.9, 0.1, 0.1, 0.1]), first)
    np.testing.assert_allclose(body_proba([0.1, 0.1, 0.1, 0.1]), first)
    # A page the first look found no story on takes whatever the second look finds.
    first[:] = 0.1
    np.testing.assert_allclose(body_proba([0.1, 0.1, 0.1, 0.8]), [0.1, 0.1, 0.1, 0.8])


def _list_page(
    key: str, group: str, kind: str, rng: np.random.Generator, marked: str = "latest", quiet: bool = False
) -> PageData:
    """Three body blocks and a six-item list of ``kind`` (``body``: a list in the story).
    Only the first item carries the tell-tale feature (column 0: +4 when ``kind`` is
    ``marked``, else -4), as when one card has the heading; the other items are noise
    (with ``quiet``, noise that is the same on every page)."""
    n = 9
    X = rng.normal(size=(n, 3)).astype(np.float32)
    X[:3, 2] = 5.0  # body
    X[3:, 2] = -5.0
    X[3:, 0] = 0.0
    if quiet:
        X[3:, 1] = 0.0
    X[3, 0] = 4.0 if kind == marked else -4.0
    index = REGION_NAMES.index
    gold = np.array([index("body")] * 3 + [index(kind)] * 6)
    list_ids = np.array([0, 0, 0, 1, 1, 1, 1, 1, 1])
    rules = ["body"] * 3 + ["other"] * 6
    return toy_page(key, X, gold, rules, gold, group=group, containers=list_ids, templates=list_ids)


def test_the_context_model_reads_the_whole_list(monkeypatch: pytest.MonkeyPatch) -> None:
    from thresher.training import crossval, estimator

    # The toy pages have three feature columns, not the registry's.
    monkeypatch.setattr(estimator, "expected_columns", lambda kind, config: [f"f{i}" for i in range(3)])
    rng = np.random.default_rng(0)
    pages = [_list_page(f"p{i}", f"site{i % 6}", "latest" if i % 2 else "suggested", rng) for i in range(48)]
    training = replace(DEFAULT_CONFIG.training, num_boost_round=40, region_rounds=40, min_data_in_leaf=5)
    config = Config(training=training)
    # One site group: no page can be scored by a model that never saw its site.
    assert crossval.fit_context([replace(p, group="one") for p in pages], config) == (None, None)

    first_look = replace(training, region_context=False, body_context=False)
    first_only = crossval.fit_model(pages, replace(config, training=first_look))
    model = crossval.fit_model(pages, config)
    assert model.context_booster is not None and first_only.context_booster is None
    test = _list_page("t", "new", "latest", np.random.default_rng(7))
    latest = LABELS.index("latest")
    first = first_only.predict_proba(test.X)[3:, latest]
    second = model.predict_proba(test.X, test.layout)[3:, latest]
    # The first look is sure only of the item with the tell; the second carries it to all six.
    assert first[0] > 0.5 and np.median(first[1:]) < 0.5
    assert second.min() > 0.5


def test_the_body_context_model_reads_the_whole_list(monkeypatch: pytest.MonkeyPatch) -> None:
    from thresher.training import crossval, estimator

    monkeypatch.setattr(estimator, "expected_columns", lambda kind, config: [f"f{i}" for i in range(3)])
    rng = np.random.default_rng(0)
    kinds = ["body", "latest", "suggested"]  # two list kinds: the region model needs two labels
    pages = [_list_page(f"p{i}", f"site{i % 6}", kinds[i % 3], rng, marked="body", quiet=True) for i in range(48)]
    training = replace(
        DEFAULT_CONFIG.training, num_boost_round=150, region_rounds=40, min_data_in_leaf=5, body_context=True
    )
    config = Config(training=training)
    model = crossval.fit_model(pages, config)
    first_only = replace(model, context_booster=None, body_context_booster=None)
    without = crossval.fit_model(pages, replace(config, training=replace(training, body_context=False)))
    assert model.body_context_booster is not None and without.body_context_booster is None
    test = _list_page("t", "new", "body", np.random.default_rng(7), marked="body", quiet=True)
    first = first_only.predict_proba(test.X)[3:, 0]
    second = model.predict_proba(test.X, test.layout)[3:, 0]
    # The first look is sure only of the item with the tell; the second carries body to all six.
    assert first[0] > 0.5 and np.median(first[1:]) < 0.5
    assert second.min() > 0.5


class _Counting:
    """A booster wrapper that records how many rows it was asked to predict."""

    def __init__(self, booster: Any) -> None:
        self.booster, self.rows = booster, 0

    def predict(self, X: np.ndarray, num_threads: int = 1) -> np.ndarray:
        self.rows += len(X)
        return np.asarray(self.booster.predict(X, num_threads=num_threads))


def test_without_a_region_context_model_the_region_model_runs_once_per_block(context_model: BlockModel) -> None:
    # A model with the body model's second look but no region context model reuses the first
    # look's region probabilities: the region model runs once per block that either look finds
    # unsure (P(body) < 0.9), and the result is what running it again would give.
    X = np.random.default_rng(2).normal(size=(4, len(column_names()))).astype(np.float32)
    X[:, column_names().index("log_tokens")] = 0.0  # no body tokens: the guard keeps the second look
    layout = BlockLayout(np.zeros(4, dtype=np.int64), np.zeros(4, dtype=np.int64), np.zeros(4, dtype=bool))
    first, second = np.array([0.2, 0.3, 0.95, 0.97]), np.array([0.1, 0.95, 0.2, 0.96])
    counting = _Counting(context_model.region_booster)
    model = replace(
        context_model,
        booster=_Fixed(first),
        body_context_booster=_Fixed(second),
        context_booster=None,
        region_booster=counting,
    )
    proba = model.predict_proba(X, layout)
    assert counting.rows == 3  # blocks 0 and 1 in the first look, block 2 after the second
    region = context_model.region_booster
    expected = combine_region_proba(second, lambda rows: region.predict(X[rows]), len(LABELS) - 1, 0.9)
    np.testing.assert_allclose(proba, expected, rtol=1e-9, atol=1e-12)
