"""Checks over the shared labelled corpora (skipped, with the reason, where they are absent)."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from thresher.config import Config, TrainingConfig
from thresher.training.corpus import read_corpora, site_groups, site_of
from thresher.training.crossval import cross_validate, fold_of_pages
from thresher.training.dataset import build_pages, page_data
from thresher.training.labels import BODY
from thresher.training.metrics import main_text_score

pytestmark = pytest.mark.corpora


def test_every_dataset_is_read(corpora: Path) -> None:
    pages = read_corpora([corpora])
    counts = {d: sum(p.dataset == d for p in pages) for d in {p.dataset for p in pages}}
    assert counts == {"readability": 130, "trafilatura-eval": 990, "modern-2025": 788}
    assert all(p.path.is_file() for p in pages)


def test_site_of_uses_the_registrable_domain() -> None:
    assert site_of("https://www.bbc.co.uk/news/1") == "bbc.co.uk"
    assert site_of("https://edition.cnn.com/x") == "cnn.com"
    assert site_of(None) is None


def test_no_site_is_split_across_folds(corpora: Path) -> None:
    pages = read_corpora([corpora])
    groups = site_groups(pages)
    sites = [site_of(p.url) for p in pages]
    # Any two pages of one registrable domain share a group, so GroupKFold keeps them together.
    by_site: dict[str, set[str]] = {}
    for site, group in zip(sites, groups, strict=True):
        if site:
            by_site.setdefault(site, set()).add(group)
    assert all(len(g) == 1 for g in by_site.values())
    key_group = dict(zip([p.key for p in pages], groups, strict=True))
    for p in pages:
        for dup in p.extra.get("duplicate_of") or []:
            assert key_group[f"{p.dataset}/{dup}"] == key_group[p.key]


def test_aligned_labels_reproduce_the_truth(corpora: Path) -> None:
    """The blocks labelled body, joined, score high against the truth they came from."""
    pages = [p for p in read_corpora([corpora / "readability"]) if p.main_text]
    sample = random.Random(0).sample(pages, 25)
    groups = site_groups(sample)
    pairs = []
    for page, group in zip(sample, groups, strict=True):
        data = page_data(page, group)
        body = "\n".join(t for t, y in zip(data.block_texts, data.y, strict=True) if y == BODY)
        pairs.append((body, page.main_text or ""))
    score = main_text_score(pairs)
    assert score.precision > 0.95 and score.recall > 0.9


@pytest.mark.slow
def test_grouped_cross_validation_on_readability(corpora: Path) -> None:
    config = Config(training=TrainingConfig(num_boost_round=100, n_folds=3))
    data, failed = build_pages(read_corpora([corpora / "readability"]), config, n_jobs=2)
    assert not failed
    folds = fold_of_pages(data, 3)
    for group in {p.group for p in data}:
        assert len({int(f) for p, f in zip(data, folds, strict=True) if p.group == group}) == 1
    _, texts, _ = cross_validate(data, config)
    score = main_text_score((texts[p.key], p.main_text or "") for p in data if p.main_text)
    assert score.f1 > 0.9
    assert np.mean([bool(texts[p.key]) for p in data]) > 0.95
