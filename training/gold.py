"""Hand-labelled gold regions: ``data/gold/<dataset>/<id>.json``.

A gold file names a corpus page (dataset and id; the page itself stays in the corpus) and a
list of ``{"selector": XPATH, "label": REGION}``.  Every block under a selected element takes
its label unless a more specific (deeper) entry also covers it.  Selectors are XPaths as
thresher writes them (``/html/body[1]/div[2]/p[1]``, every step indexed), which is what
``thresher label`` puts in its TSV; any other XPath is resolved on the parsed page.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from thresher.errors import CorpusError
from thresher.features.blocks import Block
from thresher.regions import REGION_NAMES

GOLD_DIR = Path(__file__).resolve().parent.parent / "data" / "gold"


@dataclass(frozen=True)
class GoldPage:
    dataset: str
    id: str
    entries: tuple[tuple[str, str], ...]
    """(selector, label) pairs."""
    labeller: str = ""

    @property
    def key(self) -> str:
        return f"{self.dataset}/{self.id}"

    def to_json(self) -> str:
        return (
            json.dumps(
                {
                    "dataset": self.dataset,
                    "id": self.id,
                    "labeller": self.labeller,
                    "labels": [{"selector": s, "label": label} for s, label in self.entries],
                },
                ensure_ascii=False,
                indent=1,
            )
            + "\n"
        )


def read_gold_file(path: Path) -> GoldPage:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        entries = tuple((str(e["selector"]), str(e["label"])) for e in raw["labels"])
        page = GoldPage(dataset=raw["dataset"], id=raw["id"], entries=entries, labeller=raw.get("labeller", ""))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CorpusError(f"{path}: not a gold label file ({exc})") from exc
    unknown = {label for _, label in entries} - set(REGION_NAMES)
    if unknown:
        raise CorpusError(f"{path}: unknown region labels {sorted(unknown)}")
    return page


def load_gold(directory: Path = GOLD_DIR) -> dict[str, GoldPage]:
    """All gold pages under ``directory`` keyed ``dataset/id``."""
    pages = [read_gold_file(p) for p in sorted(directory.glob("*/*.json"))] if directory.is_dir() else []
    return {p.key: p for p in pages}


def gold_digest(gold: Mapping[str, GoldPage]) -> str:
    """SHA-256 over the pages' keys and labels, in key order (which gold set a model learnt from).

    Labels, not file bytes, so the labeller's name and the JSON layout do not count.
    """
    h = hashlib.sha256()
    for key in sorted(gold):
        h.update(json.dumps([key, list(gold[key].entries)], ensure_ascii=False).encode())
    return h.hexdigest()


def _our_path(el: Any) -> str:
    """The fully indexed XPath thresher uses for an element."""
    steps = []
    while el is not None:
        parent = el.getparent()
        if parent is None:
            steps.append(f"/{el.tag}")
        else:
            index = 1 + sum(1 for sib in el.itersiblings(preceding=True) if sib.tag == el.tag)
            steps.append(f"/{el.tag}[{index}]")
        el = parent
    return "".join(reversed(steps))


def gold_block_labels(blocks: Sequence[Block], page: GoldPage, root: Any = None) -> list[str | None]:
    """The gold label of every block (None where no selector covers it)."""
    resolved: list[tuple[str, str]] = []
    for selector, region in page.entries:
        if root is not None and not selector.startswith("/html"):
            resolved.extend((_our_path(el), region) for el in root.xpath(selector) if hasattr(el, "tag"))
        else:
            resolved.append((selector, region))
    # Most specific first: a deeper selector overrides the one around it.
    resolved.sort(key=lambda e: -e[0].count("/"))
    out: list[str | None] = []
    for block in blocks:
        label: str | None = None
        for selector, candidate in resolved:
            if block.xpath == selector or block.xpath.startswith(selector + "/"):
                label = candidate
                break
        out.append(label)
    return out
