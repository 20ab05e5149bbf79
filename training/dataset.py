"""Corpus pages → per-page feature matrices and block labels (the training table)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from joblib import Parallel, delayed

from thresher.config import DEFAULT_CONFIG, Config, TrainingConfig
from thresher.errors import ThresherError
from thresher.features.blocks import segment
from thresher.features.document import parse
from thresher.features.registry import BlockTable, feature_matrix
from thresher.training.corpus import CorpusPage, site_groups
from thresher.training.labels import BlockLabels, align_main_text, label_snippets

log = logging.getLogger(__name__)


@dataclass
class PageData:
    """Everything training and evaluation need about one page, parsed once."""

    key: str
    dataset: str
    group: str
    X: np.ndarray
    y: np.ndarray
    weight: np.ndarray
    block_texts: list[str]
    block_tags: list[str]
    title: str
    main_text: str | None
    with_snippets: list[str]
    without_snippets: list[str]
    trainable: bool
    """False for pages whose truth does not describe the HTML (e.g. JS-rendered pages)."""
    containers: np.ndarray
    """Parent-element id per block (blocks with equal ids are siblings)."""
    templates: np.ndarray
    """Template id per block (same index-free path and classes)."""


def page_data(page: CorpusPage, group: str, config: Config = DEFAULT_CONFIG) -> PageData:
    doc = parse(
        page.read_bytes(),
        page.url,
        http_charset=page.encoding if page.encoding != "unknown" else None,
        config=config.segmentation,
    )
    blocks = segment(doc, config.segmentation)
    X = feature_matrix(blocks, doc, config.features)
    table = BlockTable(blocks, doc.title, config.features)
    labels: BlockLabels
    if page.main_text:
        labels = align_main_text(blocks, page.main_text, page.main_text_is_prefix, config.training)
        trainable = page.truth_coverage >= config.training.min_truth_coverage
    else:
        labels = label_snippets(blocks, page.with_snippets, page.without_snippets, config.training)
        trainable = bool(page.with_snippets)
    return PageData(
        key=page.key,
        dataset=page.dataset,
        group=group,
        X=X,
        y=labels.y,
        weight=labels.weight,
        block_texts=[b.text for b in blocks],
        block_tags=[b.tag for b in blocks],
        title=doc.title,
        main_text=page.main_text,
        with_snippets=page.with_snippets,
        without_snippets=page.without_snippets,
        trainable=trainable,
        containers=table.containers,
        templates=table.template_ids,
    )


def _safe_page_data(page: CorpusPage, group: str, config: Config) -> PageData | str:
    try:
        return page_data(page, group, config)
    except (ThresherError, OSError) as exc:
        return f"{page.key}: {exc}"


def build_pages(
    pages: Sequence[CorpusPage], config: Config = DEFAULT_CONFIG, n_jobs: int = 1, verbose: int = 0
) -> tuple[list[PageData], list[str]]:
    """Parse and label every page; return the page data and the pages that failed (with why)."""
    groups = site_groups(list(pages))
    results = Parallel(n_jobs=n_jobs, verbose=verbose, batch_size=8)(
        delayed(_safe_page_data)(page, group, config) for page, group in zip(pages, groups, strict=True)
    )
    data = [r for r in results if isinstance(r, PageData)]
    failed = [r for r in results if isinstance(r, str)]
    for msg in failed:
        log.warning("skipped %s", msg)
    return data, failed


def page_weights(page: PageData, config: TrainingConfig) -> np.ndarray:
    """Block weights of one page, scaled by ``scale / n_labelled ** power``.

    Without it a 900-block product page outweighs a whole snippet-labelled news page, and
    the model learns the templates of long pages instead of what stories look like.
    """
    labelled = int(((page.y >= 0) & (page.weight > 0)).sum())
    return page.weight * (config.page_weight_scale / max(1, labelled) ** config.page_weight_power)


def stack(
    pages: Sequence[PageData], config: TrainingConfig = DEFAULT_CONFIG.training, trainable_only: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Concatenate pages into (X, y, weight), keeping labelled blocks with weight > 0."""
    chosen = [p for p in pages if p.trainable or not trainable_only]
    if not chosen:
        raise ThresherError("no trainable pages")
    X = np.vstack([p.X for p in chosen])
    y = np.concatenate([p.y for p in chosen])
    w = np.concatenate([page_weights(p, config) for p in chosen])
    keep = (y >= 0) & (w > 0)
    return X[keep], y[keep], w[keep]
