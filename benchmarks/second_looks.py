"""What each second look of the shipped model costs: extract() pages/s with and without them.

    .venv/bin/python benchmarks/second_looks.py --corpus ../shared/corpora --pages 300

One process on one core (pinned where the OS allows), the same pages for every variant, the
variants interleaved (``--passes`` rounds) so that a drift in machine speed shows up as a spread, not a bias.
Variants: the shipped model; without the body context model; without both context models.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time
from dataclasses import replace
from pathlib import Path

# the sibling benchmark script: a script's own folder is on sys.path, from any working folder
from speed import load_pages, pin_to_one_core

from thresher import ThresherError, extract
from thresher.inference.model import BlockModel, load_model


def pages_per_second(model: BlockModel, pages: list[tuple[bytes, str | None]]) -> float:
    start = time.perf_counter()
    for raw, url in pages:
        with contextlib.suppress(ThresherError):  # a page that fails fails alike for every variant
            extract(raw, url=url, model=model)
    return len(pages) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--passes", type=int, default=3)
    args = parser.parse_args()
    pin_to_one_core()
    pages = load_pages(args.corpus, args.pages, args.seed)
    shipped = load_model()
    variants = {
        "shipped": shipped,
        "no body context": replace(shipped, body_context_booster=None),
        "no context models": replace(shipped, body_context_booster=None, context_booster=None),
    }
    extract(pages[0][0], model=shipped)  # warm-up: imports and first allocations
    rates: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(args.passes):
        for name, model in variants.items():
            rates[name].append(pages_per_second(model, pages))
    base = statistics.median(rates["shipped"])
    print(f"{len(pages)} pages from {args.corpus}, one core, {args.passes} interleaved passes")
    print(f"{'variant':<20} {'pages/s per pass':<28} {'median vs shipped':>18}")
    for name, passes in rates.items():
        each = " ".join(f"{rate:6.2f}" for rate in passes)
        print(f"{name:<20} {each:<28} {statistics.median(passes) / base:>17.2f}x")


if __name__ == "__main__":
    main()
