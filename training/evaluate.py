"""Quality per dataset: thresher's texts against the truth, beside the reference extractor."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

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


def block_scores(
    pages: Sequence[PageData], proba: Mapping[str, np.ndarray], threshold: float, body_column: int = 1
) -> Score:
    """Body precision/recall over labelled blocks (weighted as in training)."""
    tp = fp = fn = 0.0
    for p in pages:
        if p.key not in proba or not len(p.y):
            continue
        keep = (p.y >= 0) & (p.weight > 0)
        pred = proba[p.key][:, body_column] >= threshold
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
    regions: RegionScores | None = None
    """Region labels against the gold blocks of the evaluated (held-out) pages."""


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
    from thresher.training.crossval import cross_validate, text_from_proba
    from thresher.training.dataset import build_pages
    from thresher.training.reference import trafilatura_texts

    pages = read_corpora(corpus)
    excluded = 0
    if model is None:
        data, failed = build_pages(pages, DEFAULT_CONFIG, n_jobs=n_jobs)
        proba, texts, cv_model = cross_validate(data, DEFAULT_CONFIG)
        regions = region_scores(data, proba, cv_model.labels, DEFAULT_CONFIG.inference)
        mode = f"cross-validation ({DEFAULT_CONFIG.training.n_folds} folds split by site)"
    else:
        block_model = load_model(model)
        seen = set(block_model.metadata.get("training", {}).get("sites", []))
        config = DEFAULT_CONFIG.__class__(features=block_model.feature_config, inference=block_model.inference)
        data, failed = build_pages(pages, config, n_jobs=n_jobs)
        kept = [p for p in data if p.group not in seen]
        excluded = len(data) - len(kept)
        data = kept
        proba = {p.key: block_model.predict_proba(p.X, p.layout) for p in data}
        texts = {p.key: text_from_proba(p, proba[p.key], block_model) for p in data}
        regions = region_scores(data, proba, block_model.labels, block_model.inference)
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
        regions=regions,
    )


@dataclass(frozen=True)
class RegionScores:
    """Per-class precision/recall/F1 of region labels against the gold set."""

    labels: list[str]
    precision: list[float]
    recall: list[float]
    f1: list[float]
    support: list[int]
    confusion: np.ndarray
    """Rows: gold label, columns: predicted label, in ``labels`` order."""
    pages: int

    @property
    def present(self) -> np.ndarray:
        """Per label, True when the gold set holds it (judged on the unrounded, maybe weighted, mass)."""
        return np.asarray(self.confusion.sum(axis=1) > 0)

    @property
    def macro_f1(self) -> float:
        present = [f for f, here in zip(self.f1, self.present, strict=True) if here]
        return float(np.mean(present)) if present else 0.0

    def metrics(self, prefix: str) -> dict[str, float]:
        """Per-label and macro scores, plus each parent label (``link_list``) scored as one label."""
        from thresher.regions import REGION_GROUPS

        out = {f"{prefix}region_macro_f1": self.macro_f1}
        for name, p, r, f, here in zip(self.labels, self.precision, self.recall, self.f1, self.present, strict=True):
            if here:
                out.update(
                    {
                        f"{prefix}region_{name}_precision": p,
                        f"{prefix}region_{name}_recall": r,
                        f"{prefix}region_{name}_f1": f,
                    }
                )
        for parent, members in REGION_GROUPS.items():
            merged = self.merged(parent, members)
            i = merged.labels.index(parent)
            if merged.present[i]:
                out[f"{prefix}region_{parent}_precision"] = merged.precision[i]
                out[f"{prefix}region_{parent}_recall"] = merged.recall[i]
                out[f"{prefix}region_{parent}_f1"] = merged.f1[i]
                out[f"{prefix}region_macro_f1_with_{parent}"] = merged.macro_f1
        return out

    def merged(self, parent: str, members: Collection[str]) -> RegionScores:
        """The same predictions scored with the ``members`` labels counted as one label, ``parent``."""
        kept = [i for i, name in enumerate(self.labels) if name not in members]
        to_new = np.zeros((len(self.labels), len(kept) + 1), dtype=int)
        to_new[kept, np.arange(len(kept))] = 1
        to_new[[i for i, name in enumerate(self.labels) if name in members], -1] = 1
        labels = [self.labels[i] for i in kept] + [parent]
        return RegionScores.from_confusion(labels, to_new.T @ self.confusion @ to_new, self.pages)

    @classmethod
    def from_labels(
        cls, gold: Sequence[str], predicted: Sequence[str], pages: int, weight: np.ndarray | None = None
    ) -> RegionScores:
        """Scores of ``predicted`` against ``gold`` region names, one pair per block or line
        (a predicted label outside REGION_NAMES counts as ``other``; ``weight`` per pair)."""
        from sklearn.metrics import confusion_matrix

        from thresher.regions import REGION_NAMES

        names = list(REGION_NAMES)
        named = [label if label in REGION_NAMES else "other" for label in predicted]
        return cls.from_confusion(names, confusion_matrix(gold, named, labels=names, sample_weight=weight), pages)

    @classmethod
    def from_confusion(cls, labels: list[str], confusion: np.ndarray, pages: int) -> RegionScores:
        """Precision, recall and F1 per label (0 where undefined) from a gold × predicted matrix."""
        hits = np.diag(confusion).astype(float)
        support = confusion.sum(axis=1)
        predicted = confusion.sum(axis=0)
        prec = np.divide(hits, predicted, out=np.zeros_like(hits), where=predicted > 0)
        rec = np.divide(hits, support, out=np.zeros_like(hits), where=support > 0)
        denom = prec + rec
        f1 = np.divide(2 * prec * rec, denom, out=np.zeros_like(hits), where=denom > 0)
        return cls(
            labels,
            [float(x) for x in prec],
            [float(x) for x in rec],
            [float(x) for x in f1],
            [int(np.rint(x)) for x in support],
            confusion,
            pages,
        )


WEIGHTINGS = ("blocks", "pages", "tokens")
"""How :func:`region_scores` counts: every block once, every page once, or every token once."""


def region_scores(
    pages: Sequence[PageData],
    proba: Mapping[str, np.ndarray],
    model_labels: Sequence[str],
    inference: Any,
    weighting: str = "blocks",
) -> RegionScores | None:
    """Score predicted regions on the gold-labelled blocks of ``pages`` (None without gold).

    ``blocks`` pools the blocks, so a 1,500-block page counts thirty times a 50-block one;
    ``pages`` weighs every page the same (its blocks share the mean page's block count), which
    says how the typical page is served; ``tokens`` weighs each block by its tokens, which says
    how much of the pages' text lands in the right region (a one-word menu item counts little,
    a long paragraph much).
    """
    from thresher.features.tokens import tokens
    from thresher.inference.postprocess import assign_labels
    from thresher.regions import REGION_NAMES

    if weighting not in WEIGHTINGS:
        raise ValueError(f"weighting is one of {WEIGHTINGS}, not {weighting!r}")
    gold: list[str] = []
    predicted: list[str] = []
    weight: list[float] = []
    n_pages = 0
    for p in pages:
        labelled = p.gold >= 0
        if p.key not in proba or not labelled.any():
            continue
        n_pages += 1
        layout = p.layout
        labels = assign_labels(proba[p.key], list(model_labels), inference, layout.containers, layout.headings)
        gold += [REGION_NAMES[g] for g in p.gold[labelled]]
        predicted += list(np.asarray(labels, dtype=object)[labelled])
        n_labelled = int(labelled.sum())
        if weighting == "pages":
            weight += [1.0 / n_labelled] * n_labelled
        elif weighting == "tokens":
            weight += [float(max(1, len(tokens(p.block_texts[i])))) for i in np.nonzero(labelled)[0]]
    if not gold:
        return None
    if weighting == "blocks":
        return RegionScores.from_labels(gold, predicted, n_pages)
    scale = len(gold) / n_pages if weighting == "pages" else 1.0
    return RegionScores.from_labels(gold, predicted, n_pages, np.array(weight) * scale)


def rule_precision(pages: Sequence[PageData]) -> dict[str, tuple[float, int]]:
    """Precision of each weak rule against gold: (share of its blocks whose gold label agrees, blocks)."""
    from thresher.regions import REGION_NAMES

    hits: dict[str, list[int]] = {}
    for p in pages:
        for rule, weak, g in zip(p.region_rules, p.weak, p.gold, strict=True):
            if g < 0 or weak < 0 or rule == "body":
                continue
            hits.setdefault(rule, []).append(int(REGION_NAMES[weak] == REGION_NAMES[g]))
    return {rule: (float(np.mean(v)), len(v)) for rule, v in sorted(hits.items())}
