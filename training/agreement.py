"""Agreement between two independent gold labellings of the same pages (Cohen's kappa)."""

from __future__ import annotations

from pathlib import Path

from sklearn.metrics import cohen_kappa_score

from thresher.features.blocks import segment
from thresher.features.document import parse
from thresher.training.corpus import read_corpora
from thresher.training.gold import gold_block_labels, load_gold


def gold_agreement(first: Path, second: Path, corpus: Path) -> tuple[float, float, int, int]:
    """(Cohen's kappa, raw agreement, pages, blocks) over blocks both labellings cover."""
    a, b = load_gold(first), load_gold(second)
    shared = sorted(set(a) & set(b))
    pages = {p.key: p for p in read_corpora([corpus]) if p.key in shared}
    left: list[str] = []
    right: list[str] = []
    for key in shared:
        page = pages[key]
        doc = parse(page.read_bytes(), page.url)
        blocks = segment(doc)
        for x, y in zip(gold_block_labels(blocks, a[key]), gold_block_labels(blocks, b[key]), strict=True):
            if x is not None and y is not None:
                left.append(x)
                right.append(y)
    if not left:
        return 0.0, 0.0, len(shared), 0
    raw = sum(x == y for x, y in zip(left, right, strict=True)) / len(left)
    return float(cohen_kappa_score(left, right)), raw, len(shared), len(left)
