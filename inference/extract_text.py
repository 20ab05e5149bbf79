"""The plain-text library call: ``thresher.extract_text(text) -> Extraction``.

For text a naive extractor already produced: text → lines → line features → the shipped
line model (``default_text_model/``) → labels → the story.  Each non-empty line is one
block of the :class:`Extraction`, with a pseudo-XPath ``/text/line[n]`` (n counts the
non-empty lines from 1), so ``.regions`` and ``.link_farm_share`` work as for HTML.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from thresher.errors import InputError
from thresher.features.lines import line_feature_matrix, matrix_runs, split_lines
from thresher.inference.extract import Extraction, _wanted, assemble
from thresher.inference.model import BlockModel, load_model
from thresher.inference.postprocess import TITLE, assign_labels, blend_groups

MAX_TEXT_CHARS = 20_000_000
# UTF-32 first: its little-endian mark starts with UTF-16's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _as_text(text: str | bytes) -> str:
    if isinstance(text, bytes):
        for bom, encoding in _BOMS:
            if text.startswith(bom):
                return text[len(bom) :].decode(encoding, errors="replace")
        if b"\x00" in text[:65536]:
            raise InputError("extract_text needs text; these bytes hold NUL characters (binary data?)")
        try:
            return text.decode("utf-8")
        except UnicodeDecodeError:
            from charset_normalizer import from_bytes

            best = from_bytes(text).best()
            if best is None:
                raise InputError("extract_text could not decode these bytes as text in any encoding") from None
            return str(best)
    if not isinstance(text, str):
        raise InputError(f"extract_text takes str or bytes, not {type(text).__name__}")
    return text


def line_labels(proba: np.ndarray, X: np.ndarray, model: BlockModel) -> list[str]:
    """Labels of a text's lines from the line model's probabilities and the line feature
    matrix ``X``: headline runs (:func:`matrix_runs`) smoothed
    (:func:`blend_groups`), then the same rules as for blocks."""
    smoothed = blend_groups(proba, matrix_runs(X, model.feature_names), model.inference.run_blend, model.labels)
    return assign_labels(smoothed, model.labels, model.inference)


def extract_text(
    text: str | bytes,
    title: str | None = None,
    *,
    model: BlockModel | Path | str | None = None,
    keep: Iterable[str] = ("body",),
) -> Extraction:
    """Keep the story of an already-extracted plain text; label every line with a region.

    ``title`` (optional) is the page title if the user has it; lines repeating it are
    recognised as the title.  ``model`` is a text-model folder, an MLflow URI or a loaded
    model (None: the shipped default).  Empty or blank text gives an empty Extraction;
    bytes are decoded as UTF-8 (else detected); anything else raises :class:`InputError`.
    """
    wanted = _wanted(keep)
    raw = _as_text(text)
    if len(raw) > MAX_TEXT_CHARS:
        raise InputError(f"text of {len(raw):,} characters is over the {MAX_TEXT_CHARS:,} limit")
    line_model = load_model(model, kind="text")
    lines = split_lines(raw)
    if not lines:
        return Extraction(text="", title=title or "", blocks=[])
    X = line_feature_matrix(lines, title, line_model.feature_config)
    proba = line_model.predict_proba(X)
    labels = line_labels(proba, X, line_model)
    found_title = title or (lines[labels.index(TITLE)].text if TITLE in labels else "")
    xpaths = [f"/text/line[{i + 1}]" for i in range(len(lines))]
    return assemble([x.text for x in lines], xpaths, proba, labels, line_model, wanted, found_title, None)
