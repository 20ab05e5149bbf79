"""The library call: ``thresher.extract(html) -> Extraction``.

bytes / str / BeautifulSoup → Document → blocks → feature matrix → probabilities →
labels → text.  Each arrow is one stage module; this file only strings them together.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from thresher.config import DEFAULT_CONFIG, SegmentationConfig
from thresher.errors import InputError
from thresher.features.blocks import segment
from thresher.features.document import parse
from thresher.features.registry import feature_matrix
from thresher.inference.context import BlockLayout
from thresher.inference.model import BlockModel, Predictor, load_model
from thresher.inference.postprocess import BODY, TITLE, assign_labels, find_title
from thresher.regions import LINK_FARM_REGIONS, expand_labels


@dataclass(frozen=True)
class ExtractedBlock:
    """One block of the page with its region label."""

    text: str
    label: str
    proba: float
    """The model's probability for ``label`` (for ``title``: the probability it is not body)."""
    xpath: str

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "label": self.label, "proba": round(self.proba, 4), "xpath": self.xpath}


@dataclass(frozen=True)
class Region:
    """Consecutive blocks with the same label."""

    label: str
    text: str
    xpath: str
    """The deepest element that contains all of the region's blocks."""
    blocks: list[ExtractedBlock]

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "text": self.text, "xpath": self.xpath, "blocks": len(self.blocks)}


def _common_xpath(paths: list[str]) -> str:
    steps = [p.split("/") for p in paths]
    common = []
    for parts in zip(*steps, strict=False):
        if any(part != parts[0] for part in parts):
            break
        common.append(parts[0])
    return "/".join(common) or "/"


@dataclass(frozen=True)
class Extraction:
    """What thresher found on a page."""

    text: str
    """The kept blocks' text (the story body by default), one paragraph per line ('' when none)."""
    title: str
    blocks: list[ExtractedBlock] = field(default_factory=list)
    url: str | None = None

    @property
    def regions(self) -> list[Region]:
        """Runs of consecutive blocks with the same label, in document order."""
        out: list[Region] = []
        run: list[ExtractedBlock] = []
        for block in [*self.blocks, None]:
            if run and (block is None or block.label != run[0].label):
                out.append(
                    Region(run[0].label, "\n".join(b.text for b in run), _common_xpath([b.xpath for b in run]), run)
                )
                run = []
            if block is not None:
                run.append(block)
        return out

    @property
    def link_farm_share(self) -> float:
        """Share of the page's visible text in suggested/latest/navigation link lists."""
        total = sum(len(b.text) for b in self.blocks)
        farm = sum(len(b.text) for b in self.blocks if b.label in LINK_FARM_REGIONS)
        return farm / total if total else 0.0

    def to_dict(self, with_blocks: bool = True, with_regions: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "url": self.url,
            "title": self.title,
            "text": self.text,
            "link_farm_share": round(self.link_farm_share, 4),
        }
        if with_blocks:
            out["blocks"] = [b.to_dict() for b in self.blocks]
        if with_regions:
            out["regions"] = [r.to_dict() for r in self.regions]
        return out


def extract(
    html: str | bytes | Any,
    url: str | None = None,
    *,
    model: BlockModel | Predictor | Path | str | None = None,
    http_charset: str | None = None,
    keep: Iterable[str] = ("body",),
    segmentation: SegmentationConfig = DEFAULT_CONFIG.segmentation,
) -> Extraction:
    """Separate the story on a page from its boilerplate.

    ``html`` is a ``str``, raw ``bytes`` (decoded from BOM, declared charset or detection),
    or a BeautifulSoup object/Tag; ``http_charset`` is the charset of the HTTP response
    (from a crawl), which wins over the page's own declaration.  ``model`` is a model
    folder, an MLflow ``models:/`` or ``runs:/`` URI, a loaded :class:`BlockModel` (or any
    :class:`~thresher.inference.model.Predictor`), or None for the model shipped with
    thresher (loaded once).  ``keep`` names the region labels
    whose text goes into ``.text`` (``("body", "comments")`` keeps the comments too;
    ``link_list`` stands for ``suggested`` and ``latest``).

    Returns an empty Extraction for pages without text.  Raises
    :class:`thresher.errors.InputError` for input that is not a page, and
    :class:`thresher.errors.ModelError` when the model cannot be loaded.
    """
    block_model = load_model(model) if model is None or isinstance(model, BlockModel | Path | str) else model
    doc = parse(html, url, http_charset=http_charset, config=segmentation)
    blocks = segment(doc, segmentation)
    if not blocks:
        if doc.problems:  # an empty result would hide why: say it
            raise InputError(f"no text could be read from the page: {doc.problems[0]}")
        return Extraction(text="", title=doc.title, blocks=[], url=url)
    X = feature_matrix(blocks, doc, block_model.feature_config)
    layout = BlockLayout.of(blocks)
    proba = block_model.predict_proba(X, layout)
    labels = assign_labels(proba, block_model.labels, block_model.inference, layout.containers, layout.headings)
    title_index, title = find_title(blocks, labels, doc.title)
    if TITLE in block_model.labels and TITLE in labels:
        title = blocks[labels.index(TITLE)].text  # the model found the headline itself
    elif title_index is not None:
        labels[title_index] = TITLE
    return assemble([b.text for b in blocks], [b.xpath for b in blocks], proba, labels, block_model, keep, title, url)


def _wanted(keep: Iterable[str]) -> set[str]:
    return expand_labels([keep] if isinstance(keep, str) else keep)


def assemble(
    texts: list[str],
    xpaths: list[str],
    proba: np.ndarray,
    labels: list[str],
    model: Predictor,
    keep: Iterable[str],
    title: str,
    url: str | None,
) -> Extraction:
    """Labelled blocks (or lines) → :class:`Extraction`, keeping the text of the ``keep`` labels."""
    wanted = _wanted(keep)
    index = {name: i for i, name in enumerate(model.labels)}
    body_col = index[BODY]
    out_blocks = []
    for i, (text, xpath, label) in enumerate(zip(texts, xpaths, labels, strict=True)):
        p = proba[i, index[label]] if label in index else 1.0 - proba[i, body_col]
        out_blocks.append(ExtractedBlock(text=text, label=label, proba=float(p), xpath=xpath))
    text = "\n".join(b.text for b in out_blocks if b.label in wanted)
    return Extraction(text=text, title=title, blocks=out_blocks, url=url)
