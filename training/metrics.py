"""Extraction quality: main-text shingle P/R/F1 and snippet P/R/F1.

Main text: per page, the 4-token shingles (word 4-grams, as sets) of the extraction and of
the truth; precision and recall per page, then the mean precision and mean recall over pages,
and F1 as the harmonic mean of the two means.  An empty extraction scores precision 0 and
recall 0 on a page with truth text (it must not pass as "precise").

Snippets (``with`` must be in the extraction, ``without`` must not): counted over a dataset
as trafilatura's evaluation does: TP = with found, FN = with missing, FP = without found.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from thresher.features.tokens import tokens

SHINGLE = 4
_WS = re.compile(r"\s+")


def shingles(text: str, k: int = SHINGLE) -> set[tuple[str, ...]]:
    toks = tokens(text)
    if len(toks) < k:
        return {tuple(toks)} if toks else set()
    return {tuple(toks[i : i + k]) for i in range(len(toks) - k + 1)}


def page_precision_recall(predicted: str, truth: str) -> tuple[float, float]:
    pred, gold = shingles(predicted), shingles(truth)
    if not gold:
        return (1.0, 1.0) if not pred else (0.0, 1.0)
    if not pred:
        return 0.0, 0.0
    common = len(pred & gold)
    return common / len(pred), common / len(gold)


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    n: int

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self, prefix: str) -> dict[str, float]:
        return {f"{prefix}_precision": self.precision, f"{prefix}_recall": self.recall, f"{prefix}_f1": self.f1}


def main_text_score(pairs: Iterable[tuple[str, str]]) -> Score:
    """Mean precision and mean recall over (predicted, truth) pages."""
    values = [page_precision_recall(p, t) for p, t in pairs]
    if not values:
        return Score(0.0, 0.0, 0)
    return Score(sum(v[0] for v in values) / len(values), sum(v[1] for v in values) / len(values), len(values))


def _norm(text: str) -> str:
    return _WS.sub(" ", text).strip().casefold()


def snippet_counts(
    predicted: str, with_snippets: Sequence[str], without_snippets: Sequence[str]
) -> tuple[int, int, int]:
    """(true positives, false negatives, false positives) for one page."""
    text = _norm(predicted)
    tp = sum(1 for s in with_snippets if _norm(s) and _norm(s) in text)
    fn = sum(1 for s in with_snippets if _norm(s)) - tp
    fp = sum(1 for s in without_snippets if _norm(s) and _norm(s) in text)
    return tp, fn, fp


def snippet_score(pages: Iterable[tuple[str, Sequence[str], Sequence[str]]]) -> Score:
    tp = fn = fp = n = 0
    for predicted, with_s, without_s in pages:
        a, b, c = snippet_counts(predicted, with_s, without_s)
        tp, fn, fp, n = tp + a, fn + b, fp + c, n + 1
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return Score(precision, recall, n)
