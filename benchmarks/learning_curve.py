"""How region quality grows with the amount of training data: would more hand labels close the gap?

    .venv/bin/python benchmarks/learning_curve.py --corpus ../shared/corpora

The same five folds by site as ``thresher train``; in each fold the region model is fitted on a
random share of the training *sites* (all their pages, never part of a site) and scored on the
gold blocks of the held-out fold. The context models are off (the "first look" of *How it
works*), so one share costs about 2-3 minutes on two cores instead of 25. Each line prints
block-pooled region macro-F1, page-weighted macro-F1, and per label F1, with the ratio of
macro-F1 against the full training share of the same run.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from thresher.config import DEFAULT_CONFIG, Config
from thresher.inference.model import Predictor
from thresher.training.corpus import read_corpora
from thresher.training.crossval import cross_validate, fit_model
from thresher.training.dataset import PageData, build_pages
from thresher.training.evaluate import RegionScores, region_scores


def first_look_scores(
    pages: list[PageData], share: float, seed: int, config: Config
) -> tuple[RegionScores, RegionScores]:
    """Block-pooled and page-weighted region scores when each fold trains on ``share`` of its sites."""
    folds_done = 0

    def fit_on_share(train: Sequence[PageData]) -> Predictor:
        # cross_validate fits the folds in order, so the k-th call draws fold k's sites
        nonlocal folds_done
        sites = sorted({p.group for p in train})
        random.Random(seed * 100 + folds_done).shuffle(sites)
        folds_done += 1
        chosen = set(sites[: max(1, round(share * len(sites)))])
        return fit_model([p for p in train if p.group in chosen], config)

    proba, _, model = cross_validate(pages, config, fit_on_share)
    pooled = region_scores(pages, proba, model.labels, config.inference)
    weighted = region_scores(pages, proba, model.labels, config.inference, "pages")
    if pooled is None or weighted is None:
        raise SystemExit("no gold pages in the corpus: nothing to score")
    return pooled, weighted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--shares", type=float, nargs="+", default=[0.25, 0.5, 1.0])
    parser.add_argument("--seed", type=int, default=0, help="which sites each share draws")
    parser.add_argument("--jobs", type=int, default=2, help="parallel page parsing")
    args = parser.parse_args()
    training = replace(DEFAULT_CONFIG.training, region_context=False, body_context=False)
    config = replace(DEFAULT_CONFIG, training=training)
    pages, failed = build_pages(read_corpora([args.corpus]), config, n_jobs=args.jobs)
    print(f"{len(pages)} pages ({len(failed)} failed to parse), {training.n_folds} folds by site")
    results = []
    for share in sorted(args.shares):
        start = time.perf_counter()
        pooled, weighted = first_look_scores(pages, share, args.seed, config)
        results.append((share, pooled, weighted, time.perf_counter() - start))
    full = results[-1][1].macro_f1
    for share, pooled, weighted, secs in results:
        per_label = " ".join(f"{label} {f1:.3f}" for label, f1 in zip(pooled.labels, pooled.f1, strict=True))
        print(
            f"share {share:.2f}: macro-F1 {pooled.macro_f1:.4f} ({pooled.macro_f1 / full:.3f}x of share "
            f"{results[-1][0]:.2f}), page-weighted {weighted.macro_f1:.4f}, {secs:.0f} s | {per_label}"
        )


if __name__ == "__main__":
    main()
