"""Check the heading vocabulary (data/region_vocabulary.json) against the hand-labelled pages.

    .venv/bin/python benchmarks/vocabulary_audit.py --corpus ../shared/corpora

For every phrase, the gold labels of the blocks whose nearest heading holds it: how many pages,
how many gold ``suggested`` and ``latest`` blocks, and the share of the two that agree with the
phrase's kind.  Phrases whose lists the labellers mostly gave the other kind are marked ``!``:
either the phrase is filed under the wrong kind or the labels disagree with the definitions
(read the pages before moving it).  ``--unmatched N`` also lists the N headings that head most
gold link-list blocks without holding any phrase: candidates to add.  One run reads every gold
page once (about a minute on one core).
"""

from __future__ import annotations

import argparse
from collections import Counter, defaultdict
from pathlib import Path

from thresher.features.blocks import HEADINGS, segment
from thresher.features.document import parse
from thresher.training.corpus import read_corpora
from thresher.training.gold import GOLD_DIR, gold_block_labels, load_gold
from thresher.vocabulary import fold, load_vocabulary

LIST_KINDS = ("suggested", "latest")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--gold", type=Path, default=GOLD_DIR)
    parser.add_argument("--unmatched", type=int, default=20, help="headings without a phrase to list")
    args = parser.parse_args()

    vocab = load_vocabulary()
    groups = {"suggested": vocab.suggested, "latest": vocab.latest}
    phrases = [(kind, p) for kind in LIST_KINDS for p in groups[kind]]
    gold = load_gold(args.gold)
    labels: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    pages: dict[tuple[str, str], set[str]] = defaultdict(set)
    unmatched: Counter[tuple[str, str]] = Counter()
    n_pages = 0
    for page in read_corpora([args.corpus]):
        if page.key not in gold:
            continue
        n_pages += 1
        blocks = segment(parse(page.read_bytes(), page.url))
        for block, label in zip(blocks, gold_block_labels(blocks, gold[page.key]), strict=True):
            if label is None:
                continue
            # a list's heading carries its own label's kind, as in the heading_kind feature
            heading = fold((block.text if block.tag in HEADINGS else block.heading)[:200])
            hits = [(kind, p) for kind, p in phrases if p in heading]
            for hit in hits:
                labels[hit][label] += 1
                pages[hit].add(page.key)
            if not hits and label in LIST_KINDS and heading:
                unmatched[(heading[:60], label)] += 1

    print(f"{n_pages} gold pages; phrases that head at least one gold block:")
    print(f"{'':2}{'kind':<10}{'phrase':<36}{'pages':>6}{'suggested':>10}{'latest':>8}{'agree':>7}  other labels")
    for (kind, phrase), counts in sorted(labels.items(), key=lambda kv: -sum(kv[1].values())):
        s, la = counts["suggested"], counts["latest"]
        agree = (s if kind == "suggested" else la) / (s + la) if s + la else float("nan")
        flag = "!" if s + la and agree < 0.5 else ""
        others = ", ".join(f"{lab} {n}" for lab, n in counts.most_common() if lab not in LIST_KINDS)
        n = len(pages[(kind, phrase)])
        print(f"{flag:<2}{kind:<10}{phrase[:35]:<36}{n:>6}{s:>10}{la:>8}{agree:>7.2f}  {others}")
    if args.unmatched:
        print(f"\nheadings of gold link-list blocks that hold no phrase (top {args.unmatched}):")
        for (heading, label), n in unmatched.most_common(args.unmatched):
            print(f"{n:>6}  {label:<10} {heading!r}")


if __name__ == "__main__":
    main()
