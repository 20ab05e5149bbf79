"""Corpus pages → per-page feature matrices and block labels (the training table)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
from joblib import Parallel, delayed

from thresher.config import DEFAULT_CONFIG, Config, TrainingConfig
from thresher.errors import ThresherError
from thresher.features.blocks import segment
from thresher.features.document import parse
from thresher.features.registry import BlockTable, feature_matrix
from thresher.inference.context import BlockLayout, heading_mask
from thresher.inference.postprocess import find_title
from thresher.regions import NON_BODY_REGIONS, REGION_NAMES
from thresher.training.corpus import CorpusPage, site_groups
from thresher.training.gold import GoldPage, gold_block_labels, load_gold
from thresher.training.labels import BODY, UNLABELLED, BlockLabels, align_main_text, label_snippets
from thresher.training.weak_labels import weak_regions

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
    regions: np.ndarray
    """Region index (into ``thresher.regions.REGION_NAMES``) per block; -1 where unknown.
    Body/boilerplate come from the truth, the kind of boilerplate from the weak rules,
    and everything from the gold labels on gold pages."""
    region_rules: list[str]
    """Which weak rule named each block (``body`` for body blocks)."""
    weak: np.ndarray
    """The weak rules' region index per block (before gold labels override them)."""
    gold: np.ndarray
    """Gold region index per block, -1 where the page has no gold label for it."""
    containers: np.ndarray
    """Parent-element id per block (blocks with equal ids are siblings)."""
    templates: np.ndarray
    """Template id per block (same index-free path and classes)."""

    @property
    def layout(self) -> BlockLayout:
        return BlockLayout(self.containers, self.templates, heading_mask(self.block_tags))


def page_data(page: CorpusPage, group: str, config: Config = DEFAULT_CONFIG, gold: GoldPage | None = None) -> PageData:
    doc = parse(
        page.read_bytes(),
        page.url,
        http_charset=page.encoding if page.encoding != "unknown" else None,
        config=config.segmentation,
    )
    blocks = segment(doc, config.segmentation)
    X = feature_matrix(blocks, doc, config.features)
    table = BlockTable(blocks, doc.title, config.features, doc.url)
    labels: BlockLabels
    if page.main_text:
        labels = align_main_text(blocks, page.main_text, page.main_text_is_prefix, config.training)
        trainable = page.truth_coverage >= config.training.min_truth_coverage
    else:
        labels = label_snippets(blocks, page.with_snippets, page.without_snippets, config.training)
        trainable = bool(page.with_snippets)
    is_body = labels.y == BODY
    title_index, _ = find_title(blocks, ["body" if b else "boilerplate" for b in is_body], doc.title)
    names, rules = weak_regions(blocks, is_body, title_index)
    index = {name: i for i, name in enumerate(REGION_NAMES)}
    regions = np.array([index[name] for name in names], dtype=np.int64)
    regions[labels.y == UNLABELLED] = -1
    weak = regions.copy()
    gold_regions = np.full(len(blocks), -1, dtype=np.int64)
    if gold is not None:
        gold_names = gold_block_labels(blocks, gold, doc.root)
        gold_regions = np.array([index[g] if g else -1 for g in gold_names], dtype=np.int64)
        regions = np.where(gold_regions >= 0, gold_regions, regions)
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
        regions=regions,
        region_rules=rules,
        weak=weak,
        gold=gold_regions,
        containers=table.containers,
        templates=table.template_ids,
    )


def _safe_page_data(page: CorpusPage, group: str, config: Config, gold: GoldPage | None) -> PageData | str:
    try:
        return page_data(page, group, config, gold)
    except (ThresherError, OSError) as exc:
        return f"{page.key}: {exc}"


def build_pages(
    pages: Sequence[CorpusPage],
    config: Config = DEFAULT_CONFIG,
    n_jobs: int = 1,
    verbose: int = 0,
    gold: Mapping[str, GoldPage] | None = None,
) -> tuple[list[PageData], list[str]]:
    """Parse and label every page; return the page data and the pages that failed (with why).

    ``gold`` (default: ``data/gold``) maps page keys to hand-labelled regions.
    """
    gold = load_gold() if gold is None else gold
    groups = site_groups(list(pages))
    results = Parallel(n_jobs=n_jobs, verbose=verbose, batch_size=8)(
        delayed(_safe_page_data)(page, group, config, gold.get(page.key))
        for page, group in zip(pages, groups, strict=True)
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
    pages: Sequence[PageData],
    config: TrainingConfig = DEFAULT_CONFIG.training,
    trainable_only: bool = True,
    columns: Callable[[PageData], np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Concatenate pages into (X, y, weight), keeping labelled blocks with weight > 0.

    ``columns`` gives a page's feature rows (default: ``page.X``; the body model's second
    look adds its context columns)."""
    relabelled = [_with_gold_body(p, config.gold_body_weight) for p in pages]
    chosen = [p for p in relabelled if p.trainable or not trainable_only]
    if not chosen:
        raise ThresherError("no trainable pages")
    X = np.vstack([p.X if columns is None else columns(p) for p in chosen])
    y = np.concatenate([p.y for p in chosen])
    w = np.concatenate([page_weights(p, config) for p in chosen])
    keep = (y >= 0) & (w > 0)
    return X[keep], y[keep], w[keep]


def _with_gold_body(page: PageData, weight: float) -> PageData:
    """``page`` with its hand labels as body labels where it has them (see ``gold_body_weight``).

    The corpus truth and the gold labels disagree on some pages (listing grids, product
    details the truth leaves out); where a person labelled the block, the person wins.
    """
    has_gold = page.gold >= 0
    if weight <= 0 or not has_gold.any():
        return page
    body = REGION_NAMES.index("body")
    return replace(
        page,
        y=np.where(has_gold, (page.gold == body).astype(page.y.dtype), page.y),
        weight=np.where(has_gold, np.maximum(page.weight, 1.0) * weight, page.weight),
        trainable=True,
    )


def region_rows(
    page: PageData, config: TrainingConfig, any_gold: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The page's region-model rows: (block mask, NON_BODY_REGIONS index, weight), or None.

    Gold pages give their hand labels; other pages the weak labels of the configured rules
    (``weak_region_rules``, or ``weak_region_rules_without_gold`` when no page has gold).
    """
    body = REGION_NAMES.index("body")
    has_gold = page.gold >= 0
    if has_gold.any():
        labels, keep = page.gold, has_gold
        weight = np.full(len(labels), config.gold_weight)
    elif page.trainable:
        rules = config.weak_region_rules if any_gold else config.weak_region_rules_without_gold
        labels = page.weak
        keep = np.array([rule in rules for rule in page.region_rules], dtype=bool) & (labels >= 0)
        weight = page_weights(page, config) * config.weak_region_weight
    else:
        return None
    keep = keep & (labels != body)
    if not keep.any():
        return None
    return keep, np.where(labels[keep] > body, labels[keep] - 1, labels[keep]), weight[keep]


def stack_regions(
    pages: Sequence[PageData],
    config: TrainingConfig = DEFAULT_CONFIG.training,
    columns: Callable[[PageData], np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(X, y, weight) for the region model: non-body blocks, y indexing NON_BODY_REGIONS.

    Gold pages give their hand labels (weight ``gold_weight``); other pages give the weak
    labels of the rules in ``weak_region_rules`` only, down-weighted, or those of
    ``weak_region_rules_without_gold`` when no page has gold labels.  Classes are then
    re-weighted by :func:`class_balance`.  ``columns`` gives a page's feature rows
    (default: ``page.X``; the context model adds its context columns).
    """
    any_gold = any((p.gold >= 0).any() for p in pages)
    X, y, w = [], [], []
    for p in pages:
        rows = region_rows(p, config, any_gold)
        if rows is not None:
            keep, labels, weight = rows
            X.append(p.X[keep] if columns is None else columns(p)[keep])
            y.append(labels)
            w.append(weight)
    if not X:
        raise ThresherError("no region labels to train on")
    labels_, weights = np.concatenate(y), np.concatenate(w)
    return np.vstack(X), labels_, weights * class_balance(labels_, weights, config.region_class_balance)[labels_]


def class_balance(y: np.ndarray, weight: np.ndarray, power: float) -> np.ndarray:
    """Per-class weight factors (mean class mass / class mass) ** ``power`` (1 for absent classes).

    Link lists and navigation have far more blocks than comments or suggested lists; without
    this the region model's trees serve the big classes and macro-F1 suffers.
    """
    mass = np.bincount(y, weights=weight, minlength=len(NON_BODY_REGIONS))
    present = mass > 0
    factors = np.ones(len(mass))
    if power and present.any():
        factors[present] = (mass[present].mean() / mass[present]) ** power
    return factors
