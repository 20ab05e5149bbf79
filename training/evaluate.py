"""Quality per dataset: thresher's texts against the truth, beside the reference extractor."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from thresher.training.dataset import PageData
from thresher.training.labels import BODY
from thresher.training.metrics import Score, main_text_score, page_precision_recall, snippet_counts, snippet_score


@dataclass(frozen=True)
class DatasetScores:
    dataset: str
    pages: int
    main: Score | None
    """Main-text shingle scores (datasets with full truth text only)."""
    snippets: Score | None
    """with/without snippet scores (datasets with snippets only)."""

    def metrics(self, prefix: str) -> dict[str, float]:
        out: dict[str, float] = {}
        if self.main:
            out.update(self.main.as_dict(f"{prefix}{self.dataset}_main"))
        if self.snippets:
            out.update(self.snippets.as_dict(f"{prefix}{self.dataset}_snippet"))
        return out


def score_datasets(pages: Sequence[PageData], texts: Mapping[str, str]) -> list[DatasetScores]:
    """Scores per dataset for the pages that have a text in ``texts``."""
    out = []
    for dataset in sorted({p.dataset for p in pages}):
        chosen = [p for p in pages if p.dataset == dataset and p.key in texts]
        with_main = [p for p in chosen if p.main_text]
        with_snip = [p for p in chosen if p.with_snippets or p.without_snippets]
        out.append(
            DatasetScores(
                dataset=dataset,
                pages=len(chosen),
                main=main_text_score((texts[p.key], p.main_text or "") for p in with_main) if with_main else None,
                snippets=snippet_score((texts[p.key], p.with_snippets, p.without_snippets) for p in with_snip)
                if with_snip
                else None,
            )
        )
    return out


def block_scores(pages: Sequence[PageData], proba: Mapping[str, np.ndarray], threshold: float) -> Score:
    """Body precision/recall over labelled blocks (weighted as in training)."""
    tp = fp = fn = 0.0
    for p in pages:
        if p.key not in proba or not len(p.y):
            continue
        keep = (p.y >= 0) & (p.weight > 0)
        pred = proba[p.key][:, 1] >= threshold
        gold = p.y == BODY
        tp += float((pred & gold & keep).sum())
        fp += float((pred & ~gold & keep).sum())
        fn += float((~pred & gold & keep).sum())
    return Score(tp / (tp + fp) if tp + fp else 0.0, tp / (tp + fn) if tp + fn else 0.0, len(pages))


def page_table(
    pages: Sequence[PageData], texts: Mapping[str, str], reference: Mapping[str, str] | None = None
) -> list[dict[str, object]]:
    """One row per page: the per-page scores (for the error table artifact)."""
    rows = []
    for p in pages:
        if p.key not in texts:
            continue
        row: dict[str, object] = {"page": p.key, "dataset": p.dataset, "site": p.group}
        for name, source in (("thresher", texts), ("reference", reference or {})):
            if p.key not in source:
                continue
            if p.main_text:
                prec, rec = page_precision_recall(source[p.key], p.main_text)
                row[f"{name}_main_precision"], row[f"{name}_main_recall"] = round(prec, 4), round(rec, 4)
            if p.with_snippets or p.without_snippets:
                tp, fn, fp = snippet_counts(source[p.key], p.with_snippets, p.without_snippets)
                row[f"{name}_snippets_found"], row[f"{name}_snippets_missed"] = tp, fn
                row[f"{name}_boilerplate_found"] = fp
        rows.append(row)
    return rows


@dataclass
class EvaluationReport:
    mode: str
    """'cross-validation (k folds by site)' or 'model <path>'."""
    thresher: list[DatasetScores]
    reference: list[DatasetScores]
    excluded_pages: int
    failed_pages: list[str]


def run_evaluation(
    corpus: Sequence[str], model: str | None = None, n_jobs: int = 2, with_reference: bool = True
) -> EvaluationReport:
    """Score thresher (and trafilatura, in the same run) per dataset on sites the model never saw.

    Without ``model``: grouped cross-validation on the corpus itself.  With ``model``: the
    model is applied to the corpus pages whose site is not among the sites it was trained on.
    """
    from thresher.config import DEFAULT_CONFIG
    from thresher.inference.model import load_model
    from thresher.training.corpus import read_corpora
    from thresher.training.crossval import cross_validate, page_text
    from thresher.training.dataset import build_pages
    from thresher.training.reference import trafilatura_texts

    pages = read_corpora(corpus)
    excluded = 0
    if model is None:
        data, failed = build_pages(pages, DEFAULT_CONFIG, n_jobs=n_jobs)
        _, texts, _ = cross_validate(data, DEFAULT_CONFIG)
        mode = f"cross-validation ({DEFAULT_CONFIG.training.n_folds} folds split by site)"
    else:
        block_model = load_model(model)
        seen = set(block_model.metadata.get("training", {}).get("sites", []))
        config = DEFAULT_CONFIG.__class__(features=block_model.feature_config, inference=block_model.inference)
        data, failed = build_pages(pages, config, n_jobs=n_jobs)
        kept = [p for p in data if p.group not in seen]
        excluded = len(data) - len(kept)
        data = kept
        texts = {p.key: page_text(p, block_model) for p in data}
        mode = f"model {model}"
    reference: list[DatasetScores] = []
    if with_reference:
        wanted = {p.key for p in data}
        ref_texts = trafilatura_texts([p for p in pages if p.key in wanted], n_jobs=n_jobs)
        reference = score_datasets(data, ref_texts)
    return EvaluationReport(
        mode=mode,
        thresher=score_datasets(data, texts),
        reference=reference,
        excluded_pages=excluded,
        failed_pages=failed,
    )
