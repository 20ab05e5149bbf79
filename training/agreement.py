"""Agreement between two independent gold labellings of the same pages (Cohen's kappa)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from sklearn.metrics import cohen_kappa_score, f1_score

from thresher.features.blocks import segment
from thresher.features.document import parse
from thresher.regions import REGION_GROUPS, REGION_NAMES
from thresher.training.corpus import read_corpora
from thresher.training.gold import gold_block_labels, load_gold


@dataclass
class Agreement:
    """How far two labellers agree, over the blocks both of them labelled."""

    kappa: float
    raw: float
    """Share of blocks with the same label."""
    pages: int
    blocks: int
    label_f1: dict[str, float] = field(default_factory=dict)
    """Per label, F1 of one labelling against the other (symmetric), for labels either used."""
    group_kappa: dict[str, float] = field(default_factory=dict)
    """Kappa with each parent label's members (``link_list``: suggested + latest) merged."""


def gold_agreement(first: Path, second: Path, corpus: Path, keys: Collection[str] | None = None) -> Agreement:
    """Agreement between the labellings in ``first`` and ``second`` on the pages both cover
    (only those of ``keys``, ``dataset/id``, when given)."""
    a, b = load_gold(first), load_gold(second)
    shared = sorted(k for k in set(a) & set(b) if keys is None or k in keys)
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
        return Agreement(0.0, 0.0, len(shared), 0)
    raw = sum(x == y for x, y in zip(left, right, strict=True)) / len(left)
    seen = set(left) | set(right)
    used = [name for name in REGION_NAMES if name in seen]
    scores = f1_score(left, right, labels=used, average=None, zero_division=0)
    groups = {}
    for parent, members in REGION_GROUPS.items():
        merge = [parent if x in members else x for x in left], [parent if y in members else y for y in right]
        groups[parent] = float(cohen_kappa_score(*merge))
    return Agreement(
        float(cohen_kappa_score(left, right)),
        raw,
        len(shared),
        len(left),
        {name: float(s) for name, s in zip(used, scores, strict=True)},
        groups,
    )
