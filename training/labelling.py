"""The labelling aid behind ``thresher label``: a reviewable view of a page's blocks.

``write_view`` writes ``<dataset>__<id>.html`` (each block coloured by its region, right-to-
left text shown as such) and ``<dataset>__<id>.tsv`` (one row per block: index, label, xpath,
tag, text) with the current model's labels, sub-typed by the weak rules where the model only
knows body vs. boilerplate.  Correct the ``label`` column, then ``tsv_to_gold`` turns the TSV
into ``data/gold/<dataset>/<id>.json``.
"""

from __future__ import annotations

import csv
import html
from pathlib import Path

import numpy as np

from thresher.errors import CorpusError
from thresher.features.blocks import segment
from thresher.features.document import parse
from thresher.features.registry import feature_matrix
from thresher.inference.context import BlockLayout
from thresher.inference.model import load_model
from thresher.inference.postprocess import BODY, assign_labels, find_title
from thresher.regions import REGION_NAMES, REGIONS
from thresher.training.corpus import read_corpora
from thresher.training.gold import GoldPage
from thresher.training.weak_labels import weak_regions

COLOURS = {
    "body": "#d9f2d9",
    "title": "#b3d9ff",
    "metadata": "#e6e6fa",
    "suggested": "#ffd9b3",
    "latest": "#ffb3b3",
    "comments": "#fff2b3",
    "comment_form": "#f2d9f2",
    "navigation": "#d9d9d9",
    "footer": "#c0c0c0",
    "ads_share": "#ffccf2",
    "other": "#f2f2f2",
}


def page_labels(dataset: str, page_id: str, corpus: Path, model: str | None = None):  # type: ignore[no-untyped-def]
    pages = [p for p in read_corpora([corpus]) if p.dataset == dataset and p.id == page_id]
    if not pages:
        raise CorpusError(f"no page {dataset}/{page_id} under {corpus}")
    page = pages[0]
    block_model = load_model(model)
    doc = parse(page.read_bytes(), page.url)
    blocks = segment(doc)
    layout = BlockLayout.of(blocks)
    proba = block_model.predict_proba(feature_matrix(blocks, doc, block_model.feature_config), layout)
    labels = assign_labels(proba, block_model.labels, block_model.inference, layout.containers, layout.headings)
    if set(block_model.labels) == {"body", "boilerplate"}:
        is_body = np.array([label == BODY for label in labels], dtype=bool)
        title_index, _ = find_title(blocks, labels, doc.title)
        labels, _ = weak_regions(blocks, is_body, title_index)
    return page, blocks, labels


def write_view(dataset: str, page_id: str, corpus: Path, out_dir: Path, model: str | None = None) -> tuple[Path, Path]:
    page, blocks, labels = page_labels(dataset, page_id, corpus, model)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{dataset}__{page_id}"
    tsv = out_dir / f"{stem}.tsv"
    with tsv.open("w", encoding="utf-8", newline="") as fh:
        fh.write(f"# dataset={dataset}\tid={page_id}\tlabels={','.join(REGION_NAMES)}\n")
        writer = csv.writer(fh, delimiter="\t", quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        writer.writerow(["index", "label", "xpath", "tag", "text"])
        for i, (block, label) in enumerate(zip(blocks, labels, strict=True)):
            writer.writerow([i, label, block.xpath, block.tag, " ".join(block.text.split())[:300]])
    legend = "".join(
        f'<span style="background:{COLOURS[r.name]};padding:2px 6px">{r.name}: {html.escape(r.meaning)}</span> '
        for r in REGIONS
    )
    rows = "".join(
        f'<tr style="background:{COLOURS[label]}"><td>{i}</td><td>{label}</td><td>{block.tag}</td>'
        f'<td dir="auto">{html.escape(block.text)}</td></tr>'
        for i, (block, label) in enumerate(zip(blocks, labels, strict=True))
    )
    view = out_dir / f"{stem}.html"
    view.write_text(
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(stem)}</title></head><body>"
        f"<h1>{html.escape(page.key)}</h1><p>{html.escape(page.url or '')}</p><p>{legend}</p>"
        f"<table border='1' cellspacing='0'><tr><th>#</th><th>label</th><th>tag</th><th>text</th></tr>{rows}</table>"
        "</body></html>",
        encoding="utf-8",
    )
    return view, tsv


def tsv_to_gold(tsv: Path, gold_dir: Path, labeller: str = "") -> Path:
    """Turn a (corrected) TSV of ``write_view`` into a gold JSON file; returns its path."""
    lines = tsv.read_text(encoding="utf-8").splitlines()
    if not lines or not lines[0].startswith("# dataset="):
        raise CorpusError(f"{tsv}: not a thresher label TSV (first line must be '# dataset=...')")
    header = dict(part.split("=", 1) for part in lines[0][2:].split("\t"))
    reader = csv.DictReader(lines[1:], delimiter="\t")
    entries: dict[str, str] = {}
    for row in reader:
        label = (row.get("label") or "").strip()
        if label not in REGION_NAMES:
            raise CorpusError(f"{tsv}: row {row.get('index')}: unknown label {label!r}; use one of {REGION_NAMES}")
        # Several blocks can share an element (text around nested blocks): the first label wins.
        entries.setdefault(row["xpath"], label)
    gold = GoldPage(dataset=header["dataset"], id=header["id"], entries=tuple(entries.items()), labeller=labeller)
    out = gold_dir / gold.dataset / f"{gold.id}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(gold.to_json(), encoding="utf-8")
    return out
