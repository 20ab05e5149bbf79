"""Plain-text training data without hand work: corpus pages rendered as a naive extractor would.

Each page's blocks become lines, and each line takes its block's label.  Three renderings,
because naive extractors differ:

- ``bare``: one line per block (and per ``<br>`` line inside a block), no blank lines;
- ``paragraphs``: the same, with a blank line after paragraphs and headings but not after
  list items or table cells (what html2text-like tools print; the founding seed looks so);
- ``joined``: blocks of the same parent element joined into one line (tools that print
  the text of a ``div`` at once).

Labels: body or not comes from the corpus truth where it has one; the kind of a non-body
block from the gold set where a page has gold labels, else from the HTML model's region
labels (the model shipped in the package, the best labeller we have on every page).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from zlib import crc32

import numpy as np

from thresher.config import DEFAULT_CONFIG, Config
from thresher.features.lines import Line, line_feature_matrix, split_lines
from thresher.inference.model import BlockModel
from thresher.inference.postprocess import assign_labels
from thresher.regions import REGION_NAMES
from thresher.training.dataset import PageData, page_weights
from thresher.training.labels import BODY as BODY_INDEX

VARIANTS = ("bare", "paragraphs", "joined")
# Block tags after which a text-mode tool prints no blank line (items of a list or a table).
_ITEM_TAGS = frozenset({"li", "td", "th", "dd", "dt", "tr", "option", "a", "span"})
BODY_REGION = REGION_NAMES.index("body")


@dataclass
class TextPage:
    """One corpus page rendered as plain text, with a label per line."""

    key: str
    dataset: str
    group: str
    variant: str
    lines: list[Line]
    X: np.ndarray
    y: np.ndarray
    """1 body, 0 not body, -1 unknown (as the block labels)."""
    regions: np.ndarray
    """Region index into REGION_NAMES per line."""
    gold: np.ndarray
    """Hand label (REGION_NAMES index) per line from the gold set, -1 where none."""
    weight: np.ndarray
    main_text: str | None
    with_snippets: list[str]
    without_snippets: list[str]
    trainable: bool

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


def block_regions(page: PageData, html_model: BlockModel) -> np.ndarray:
    """Region index per block: truth for body or not, gold or the HTML model for the kind."""
    if not page.block_texts:
        return np.zeros(0, dtype=np.int64)
    layout = page.layout
    proba = html_model.predict_proba(page.X, layout)
    predicted = assign_labels(proba, html_model.labels, html_model.inference, layout.containers, layout.headings)
    index = {name: i for i, name in enumerate(REGION_NAMES)}
    regions = np.array([index.get(name, index["other"]) for name in predicted], dtype=np.int64)
    other = proba.copy()
    other[:, html_model.labels.index("body")] = -1.0
    kind = np.array([index.get(html_model.labels[j], index["other"]) for j in np.argmax(other, axis=1)])
    regions = np.where(page.y == BODY_INDEX, BODY_REGION, regions)
    # A truth non-body block the model calls body takes the model's best non-body kind.
    regions = np.where((page.y >= 0) & (page.y != BODY_INDEX) & (regions == BODY_REGION), kind, regions)
    return np.where(page.gold >= 0, page.gold, regions)


def render(page: PageData, variant: str) -> tuple[str, list[int]]:
    """The page as text in one rendering, and for each output line the block it comes from."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown rendering {variant!r}; expected one of {VARIANTS}")
    out: list[str] = []
    source: list[int] = []
    n = len(page.block_texts)
    i = 0
    while i < n:
        if variant == "joined":
            j = i
            while j + 1 < n and page.containers[j + 1] == page.containers[i]:
                j += 1
            group = range(i, j + 1)
            # The line takes the label of its longest block.
            main = max(group, key=lambda k: len(page.block_texts[k]))
            out.append(" ".join(page.block_texts[k].replace("\n", " ") for k in group))
            source.append(main)
            i = j + 1
            continue
        for part in page.block_texts[i].split("\n"):
            out.append(part)
            source.append(i)
        if variant == "paragraphs" and page.block_tags[i] not in _ITEM_TAGS:
            out.append("")
            source.append(-1)
        i += 1
    keep = [s for s, text in zip(source, out, strict=True) if s >= 0 and text.strip()]
    return "\n".join(out), keep


def _with_title(key: str, variant: str) -> bool:
    """Half the renderings come with the page title (users may or may not have one), chosen by hash."""
    return crc32(f"{key}/{variant}".encode()) % 2 == 0


def text_pages(
    page: PageData, html_model: BlockModel, config: Config = DEFAULT_CONFIG, variants: Sequence[str] = VARIANTS
) -> list[TextPage]:
    """The page in each rendering, with line features and labels."""
    regions = block_regions(page, html_model)
    weights = page_weights(page, config.training)
    out = []
    for variant in variants:
        text, source = render(page, variant)
        lines = split_lines(text)
        if len(lines) != len(source):  # cannot happen: render keeps exactly the non-empty lines
            raise AssertionError(f"{page.key}: {len(lines)} lines for {len(source)} sources")
        idx = np.asarray(source, dtype=np.int64)
        y = page.y[idx] if len(idx) else np.zeros(0, dtype=np.int64)
        # Line weights: the block's weight, normalised per page like blocks (long pages do not drown short ones).
        lines_per_block = np.bincount(idx, minlength=len(page.block_texts))[idx] if len(idx) else idx
        weight = weights[idx] / np.maximum(lines_per_block, 1) if len(idx) else np.zeros(0)
        out.append(
            TextPage(
                key=page.key,
                dataset=page.dataset,
                group=page.group,
                variant=variant,
                lines=lines,
                X=line_feature_matrix(lines, page.title if _with_title(page.key, variant) else None, config.features),
                y=y,
                regions=regions[idx] if len(idx) else np.zeros(0, dtype=np.int64),
                gold=page.gold[idx] if len(idx) else np.zeros(0, dtype=np.int64),
                weight=weight,
                main_text=page.main_text,
                with_snippets=page.with_snippets,
                without_snippets=page.without_snippets,
                trainable=page.trainable,
            )
        )
    return out
