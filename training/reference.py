"""The peer extractor evaluated beside thresher: trafilatura with its default settings."""

from __future__ import annotations

from collections.abc import Sequence

from joblib import Parallel, delayed

from thresher.training.corpus import CorpusPage


def trafilatura_text(raw: bytes, url: str | None) -> str:
    import trafilatura

    try:
        return trafilatura.extract(raw, url=url) or ""
    except Exception:  # the peer's own failures count as empty output, as for thresher
        return ""


def _one(page: CorpusPage) -> tuple[str, str]:
    return page.key, trafilatura_text(page.read_bytes(), page.url)


def trafilatura_texts(pages: Sequence[CorpusPage], n_jobs: int = 1) -> dict[str, str]:
    """trafilatura's extraction for every page, keyed by page key."""
    return dict(Parallel(n_jobs=n_jobs, batch_size=8)(delayed(_one)(p) for p in pages))
