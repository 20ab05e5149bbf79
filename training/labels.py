"""Stage 4 (training only): corpus truth → one label per block.

* Full-text truth (``main_text``): the page's block tokens and the truth's tokens are aligned
  in order with difflib's SequenceMatcher; a block is body when at least
  ``TrainingConfig.body_token_share`` of its tokens align.
* Snippet truth (``with`` / ``without``): blocks overlapping a ``with`` snippet are body,
  blocks overlapping a ``without`` snippet are boilerplate, the rest stay unlabelled.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

import numpy as np

from thresher.config import DEFAULT_CONFIG, TrainingConfig
from thresher.features.blocks import Block
from thresher.features.tokens import tokens

BOILERPLATE, BODY, UNLABELLED = 0, 1, -1
_WS = re.compile(r"\s+")


@dataclass
class BlockLabels:
    """Labels (BODY / BOILERPLATE / UNLABELLED) and training weights, one per block."""

    y: np.ndarray
    weight: np.ndarray
    aligned_share: np.ndarray
    """Share of each block's tokens aligned to the truth (NaN for snippet labels)."""


def align_main_text(
    blocks: Sequence[Block], main_text: str, prefix_only: bool = False, config: TrainingConfig = DEFAULT_CONFIG.training
) -> BlockLabels:
    """Label blocks by in-order token alignment with the truth text."""
    block_tokens = [tokens(b.text) for b in blocks]
    vocab: dict[str, int] = {}
    page_seq = [vocab.setdefault(t, len(vocab)) for toks in block_tokens for t in toks]
    truth_seq = [vocab.setdefault(t, len(vocab)) for t in tokens(main_text)]
    matched = np.zeros(len(page_seq), dtype=bool)
    if page_seq and truth_seq:
        matcher = SequenceMatcher(None, page_seq, truth_seq, autojunk=False)
        for a, _, size in matcher.get_matching_blocks():
            # Single stray tokens ("the", "a") aligning across boilerplate are noise.
            if size >= 2:
                matched[a : a + size] = True
    bounds = np.cumsum([0] + [len(t) for t in block_tokens])
    n = len(blocks)
    share = np.array(
        [matched[bounds[i] : bounds[i + 1]].mean() if bounds[i + 1] > bounds[i] else 0.0 for i in range(n)]
    )
    y = np.where(share >= config.body_token_share, BODY, BOILERPLATE)
    weight = np.ones(n)
    if prefix_only and (y == BODY).any():
        # The truth stops early: what comes after its last aligned block is unknown.
        last = int(np.nonzero(y == BODY)[0].max())
        y[last + 1 :] = UNLABELLED
        weight[last + 1 :] = 0.0
    return BlockLabels(y=y, weight=weight, aligned_share=share)


def _norm(text: str) -> str:
    return _WS.sub(" ", text).strip().casefold()


def label_snippets(
    blocks: Sequence[Block],
    with_snippets: Sequence[str],
    without_snippets: Sequence[str],
    config: TrainingConfig = DEFAULT_CONFIG.training,
) -> BlockLabels:
    """Label blocks overlapping ``with`` snippets BODY and ``without`` snippets BOILERPLATE."""
    texts = [_norm(b.text) for b in blocks]
    starts = np.cumsum([0] + [len(t) + 1 for t in texts])  # +1: the joining space
    page = " ".join(texts)
    n = len(blocks)
    body = np.zeros(n, dtype=bool)
    boiler = np.zeros(n, dtype=bool)
    for snippets, target in ((with_snippets, body), (without_snippets, boiler)):
        for snippet in snippets:
            needle = _norm(snippet)
            if not needle:
                continue
            pos = page.find(needle)
            while pos != -1:
                first = int(np.searchsorted(starts, pos, side="right")) - 1
                last = int(np.searchsorted(starts, pos + len(needle) - 1, side="right")) - 1
                target[first : last + 1] = True
                pos = page.find(needle, pos + 1)
    y = np.full(n, UNLABELLED)
    y[boiler & ~body] = BOILERPLATE
    y[body & ~boiler] = BODY
    weight = np.where(y == UNLABELLED, config.snippet_unlabelled_weight, 1.0)
    return BlockLabels(y=y, weight=weight, aligned_share=np.full(n, np.nan))
