"""Stage 5: block probabilities → block labels (with smoothing) and the page title."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from thresher.config import InferenceConfig
from thresher.features.blocks import HEADINGS, Block
from thresher.features.tokens import tokens

BODY = "body"
TITLE = "title"


def assign_labels(proba: np.ndarray, labels: Sequence[str], config: InferenceConfig) -> list[str]:
    """Pick a label per block.

    The body probability decides body vs. the rest with ``config.body_threshold``; a block
    squeezed between two body blocks joins them when its probability reaches
    ``config.gap_threshold`` (a short quote or subheading inside the story).  Non-body blocks
    take their most probable non-body label.
    """
    n = proba.shape[0]
    if n == 0:
        return []
    body_col = list(labels).index(BODY)
    p_body = proba[:, body_col]
    is_body = p_body >= config.body_threshold
    if n >= 3:
        gap = (~is_body[1:-1]) & is_body[:-2] & is_body[2:] & (p_body[1:-1] >= config.gap_threshold)
        is_body[1:-1] |= gap
    other = proba.copy()
    other[:, body_col] = -1.0
    rest = np.argmax(other, axis=1)
    return [BODY if is_body[i] else labels[int(rest[i])] for i in range(n)]


def find_title(blocks: Sequence[Block], block_labels: list[str], page_title: str) -> tuple[int | None, str]:
    """The heading block that states the page title, and the title text.

    Looks at headings before the first body block and picks the one sharing the most tokens
    with ``<title>``/``og:title`` (at least half of the heading).  Falls back to the page title.
    """
    title_tokens = set(tokens(page_title))
    first_body = next((i for i, label in enumerate(block_labels) if label == BODY), len(blocks))
    best, best_score = None, 0.5
    for i in range(min(first_body + 1, len(blocks))):
        block = blocks[i]
        if block.tag not in HEADINGS or block_labels[i] == BODY:
            continue
        heading = set(tokens(block.text))
        if not heading:
            continue
        score = len(heading & title_tokens) / len(heading) if title_tokens else (1.0 if block.tag == "h1" else 0.0)
        if score > best_score or (best is None and score >= best_score):
            best, best_score = i, score
    if best is not None:
        return best, blocks[best].text
    return None, page_title
