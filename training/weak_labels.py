"""Weak region labels: rules that sub-type every non-body block of a corpus page.

The truth of the corpora only says body or not.  These rules name the rest (comment form,
comments, navigation, footer, share/ads, metadata, suggested or latest link lists, title)
from the DOM and from the heading above a link list.  The heading phrases of the
suggested/latest lists live in ``data/region_vocabulary.json`` (many languages, see
:mod:`thresher.vocabulary`), never in code.  Each rule's precision is measured against the
hand-labelled gold set (``thresher.training.gold``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from thresher.features.blocks import FLAG_BITS, HEADINGS, Block
from thresher.features.registry import CLASS_WORDS
from thresher.regions import REGION_NAMES
from thresher.vocabulary import Vocabulary, load_vocabulary

# class/id word pieces (page code, not page language) that name a region.
_COMMENT = CLASS_WORDS["comments"]
_NAVIGATION = CLASS_WORDS["navigation"]
_FOOTER = CLASS_WORDS["footer"]
_ADS_SHARE = CLASS_WORDS["ads_share"]
_METADATA = CLASS_WORDS["metadata"]


def _has(tokens: Sequence[str], vocabulary: frozenset[str]) -> bool:
    return any(t in vocabulary for t in tokens)


RULES = ("form", "comments", "title", "navigation", "footer", "ads_share", "metadata", "link_list", "other")
"""Rule names in the order they are tried (the first that fires names the block)."""


def weak_regions(
    blocks: Sequence[Block], is_body: np.ndarray, title_index: int | None, vocabulary: Vocabulary | None = None
) -> tuple[list[str], list[str]]:
    """(region label, rule that fired) per block; body blocks keep ``body``."""
    vocab = vocabulary or load_vocabulary()
    n = len(blocks)
    short_link = [b.n_tokens <= 20 and b.n_link_tokens >= 0.6 * b.n_tokens for b in blocks]
    per_container: dict[int, list[int]] = {}
    for i, b in enumerate(blocks):
        per_container.setdefault(b.container, []).append(i)
    body_positions = np.nonzero(is_body)[0]
    last_body = int(body_positions.max()) if len(body_positions) else -1
    labels, rules = [], []
    for i, b in enumerate(blocks):
        if is_body[i]:
            labels.append("body")
            rules.append("body")
            continue
        label, rule = _rule(i, b, blocks, short_link, per_container, title_index, last_body, vocab)
        labels.append(label)
        rules.append(rule)
    assert all(label in REGION_NAMES for label in labels) and len(labels) == n
    return labels, rules


def _rule(
    i: int,
    b: Block,
    blocks: Sequence[Block],
    short_link: list[bool],
    per_container: dict[int, list[int]],
    title_index: int | None,
    last_body: int,
    vocab: Vocabulary,
) -> tuple[str, str]:
    own, anc = b.own_attr, b.ancestor_attr
    if b.flags & FLAG_BITS["form"]:
        return "comment_form", "form"
    # Only the nearest ancestors' pieces: page-wide classes such as body.has-comments say nothing.
    if _has(own, _COMMENT) or _has(anc[:6], _COMMENT):
        return "comments", "comments"
    if i == title_index:
        return "title", "title"
    if b.flags & FLAG_BITS["nav"] or _has(own, _NAVIGATION) or _has(anc[:6], _NAVIGATION):
        return "navigation", "navigation"
    if b.flags & FLAG_BITS["footer"] or _has(own, _FOOTER) or _has(anc[:6], _FOOTER):
        return "footer", "footer"
    if _has(own, _ADS_SHARE) or _has(anc[:4], _ADS_SHARE):
        return "ads_share", "ads_share"
    if _has(own, _METADATA) or _has(anc[:2], _METADATA):
        return "metadata", "metadata"
    siblings = per_container[b.container]
    in_link_list = short_link[i] and sum(short_link[j] for j in siblings) >= 2
    heading_kind = vocab.heading_kind(b.heading)
    if b.tag in HEADINGS:
        # A heading is named after the link list that follows it.
        following = vocab.heading_kind(b.text)
        nxt = i + 1
        if following and nxt < len(blocks) and short_link[nxt]:
            return following, "link_list"
    if in_link_list:
        if heading_kind:
            return heading_kind, "link_list"
        inside_aside = bool(b.flags & FLAG_BITS["aside"])
        return ("latest" if inside_aside or i > last_body + 40 or last_body < 0 else "suggested"), "link_list"
    return "other", "other"
