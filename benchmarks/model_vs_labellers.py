"""The model against two labellers, beside the two labellers against each other.

    .venv/bin/python benchmarks/model_vs_labellers.py --corpus ../shared/corpora --labeller second-r17

Some gold pages were labelled twice (``data/gold`` and ``data/gold_second``). On the pages of
the second labelling whose labeller name starts with ``--labeller`` (``second-r17``: the 30
pages of round 17, drawn from the pages with link lists), this prints per label the F1 of one
person against the other, and of the model's held-out labels against each person. How close
the model comes to the people says how much of the gap to the issue's targets is the model's
and how much is the labels' own ambiguity.

The model's labels are out-of-fold: the full recipe of ``thresher train`` (the same five
folds by site, context models included), so every page is labelled by a model that never saw
its site. That cross-validation costs what ``thresher train`` costs (25-40 minutes on two
cores); ``--save-oof FILE.npz`` keeps its probabilities and ``--oof FILE.npz`` scores saved
ones again without refitting. A saved file records the model labels it was made with.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from thresher.config import DEFAULT_CONFIG
from thresher.training.agreement import gold_agreement
from thresher.training.corpus import read_corpora
from thresher.training.crossval import cross_validate
from thresher.training.dataset import page_data
from thresher.training.evaluate import RegionScores, region_scores
from thresher.training.gold import GOLD_DIR, load_gold
from thresher.training.train import prepare

SECOND_DIR = Path(__file__).resolve().parents[1] / "data" / "gold_second"
_LABELS_KEY = "__labels__"


def save_oof(path: Path, proba: Mapping[str, np.ndarray], labels: list[str]) -> None:
    """Out-of-fold probabilities per page key, plus the label order, as a plain ``.npz``."""
    arrays: dict[str, Any] = {_LABELS_KEY: np.array(labels), **proba}
    np.savez_compressed(path, **arrays)


def load_oof(path: Path) -> tuple[dict[str, np.ndarray], list[str]]:
    with np.load(path, allow_pickle=False) as saved:
        labels = [str(x) for x in saved[_LABELS_KEY]]
        return {key: saved[key] for key in saved.files if key != _LABELS_KEY}, labels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--labeller", default="second-r17", help="prefix of the second labelling's labeller names")
    parser.add_argument("--oof", type=Path, help="score these saved out-of-fold probabilities instead of refitting")
    parser.add_argument("--save-oof", type=Path, help="keep the out-of-fold probabilities here (.npz)")
    parser.add_argument("--jobs", type=int, default=2, help="parallel page parsing")
    args = parser.parse_args()

    config = DEFAULT_CONFIG
    second = {k: g for k, g in load_gold(SECOND_DIR).items() if g.labeller.startswith(args.labeller)}
    if not second:
        raise SystemExit(f"no page of {SECOND_DIR} has a labeller starting with {args.labeller!r}")
    by_key = {p.key: p for p in read_corpora([args.corpus])}
    first_gold = load_gold(GOLD_DIR)
    keys = sorted(k for k in second if k in by_key and k in first_gold)
    if args.oof:
        proba, labels = load_oof(args.oof)
        print(f"out-of-fold probabilities read from {args.oof}")
    else:
        # Only refitting needs the whole corpus parsed; scoring reads the chosen pages alone.
        prepared = prepare([args.corpus], config, n_jobs=args.jobs)
        start = time.perf_counter()
        proba, _, model = cross_validate(prepared.data, config)
        labels = list(model.labels)
        print(f"cross-validated {len(prepared.data)} pages in {time.perf_counter() - start:.0f} s")
        if args.save_oof:
            save_oof(args.save_oof, proba, labels)
    missing = [k for k in keys if k not in proba]
    if missing:
        raise SystemExit(f"{len(missing)} pages have no out-of-fold probabilities, e.g. {missing[0]}")

    # Each labelling is mapped onto the same blocks that the probabilities describe.
    first = [page_data(by_key[k], "", config, first_gold[k]) for k in keys]
    other = [page_data(by_key[k], "", config, second[k]) for k in keys]
    for p in first:
        if len(proba[p.key]) != len(p.gold):
            raise SystemExit(f"{p.key}: the saved probabilities describe another segmentation")
    people = gold_agreement(GOLD_DIR, SECOND_DIR, args.corpus, set(keys)).label_f1
    scores: list[RegionScores] = []
    for labelling in (first, other):
        s = region_scores(labelling, proba, labels, config.inference)
        if s is None:
            raise SystemExit("no gold block on these pages")
        scores.append(s)

    print(f"{len(keys)} pages labelled by {args.labeller}*; F1 per label:")
    print(f"{'label':14s} {'person vs person':>17s} {'model vs first':>15s} {'model vs second':>16s}")
    for label, f in people.items():
        i = scores[0].labels.index(label)
        print(f"{label:14s} {f:17.3f} {scores[0].f1[i]:15.3f} {scores[1].f1[i]:16.3f}")
    macro = np.mean(list(people.values()))
    print(f"{'macro':14s} {macro:17.3f} {scores[0].macro_f1:15.3f} {scores[1].macro_f1:16.3f}")


if __name__ == "__main__":
    main()
