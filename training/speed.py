"""Inference speed of a candidate, measured the same way for every candidate.

``extract()`` (parse, segment, features, model, labels, text) on a fixed sample: the first
``SAMPLE_PAGES`` corpus pages by key, read into memory first, one thread, after one warm-up
page.  The figure is comparable between runs on one machine, not between machines.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence

from threadpoolctl import threadpool_limits

from thresher.errors import ThresherError
from thresher.inference.extract import extract
from thresher.inference.model import Predictor
from thresher.training.corpus import CorpusPage

SAMPLE_PAGES = 50


def inference_pages_per_s(model: Predictor, pages: Sequence[CorpusPage], n_pages: int = SAMPLE_PAGES) -> float:
    """Pages per second of ``extract(html, model=model)`` over the fixed sample."""
    sample = sorted(pages, key=lambda p: p.key)[:n_pages]
    raw = [(p.read_bytes(), p.url, p.encoding if p.encoding not in (None, "unknown") else None) for p in sample]
    if not raw:
        return 0.0
    with threadpool_limits(1):
        _extract_quietly(model, *raw[0])  # warm-up: first-call costs are not inference speed
        started = time.perf_counter()
        for html, url, charset in raw:
            _extract_quietly(model, html, url, charset)
        elapsed = time.perf_counter() - started
    return len(raw) / elapsed if elapsed > 0 else 0.0


def _extract_quietly(model: Predictor, html: bytes, url: str | None, charset: str | None) -> None:
    # A page thresher refuses still took its time; the batch goes on as `thresher extract` does.
    with contextlib.suppress(ThresherError):
        extract(html, url, model=model, http_charset=charset)
