"""Reading the labelled corpora (``../shared/corpora/<dataset>/``) and grouping pages by site."""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from thresher.errors import CorpusError

# Second-level labels under which registrations happen (example.co.uk, example.com.au).
_SECOND_LEVEL = frozenset(["co", "com", "net", "org", "gov", "edu", "ac", "ne", "or", "go", "gv", "mil", "nic"])


@dataclass
class CorpusPage:
    """One labelled page; the HTML bytes are read on demand."""

    dataset: str
    id: str
    path: Path
    url: str | None
    encoding: str | None
    main_text: str | None
    main_text_is_prefix: bool
    with_snippets: list[str]
    without_snippets: list[str]
    lang: str | None
    page_type: str | None
    title: str | None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.dataset}/{self.id}"

    def read_bytes(self) -> bytes:
        with gzip.open(self.path, "rb") as fh:
            return fh.read()

    @property
    def truth_coverage(self) -> float:
        """Share of the truth's words found on the page (1.0 when the dataset does not say)."""
        value = self.extra.get("main_text_coverage")
        return float(value) if isinstance(value, int | float) else 1.0


def site_of(url: str | None) -> str | None:
    """Registrable domain of a URL (``https://www.bbc.co.uk/x`` → ``bbc.co.uk``), or None."""
    if not url:
        return None
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    if not host:
        return None
    parts = host.split(".")
    if len(parts) >= 3 and parts[-2] in _SECOND_LEVEL and len(parts[-1]) == 2:
        return ".".join(parts[-3:])
    return ".".join(parts[-2:])


def read_dataset(directory: Path) -> list[CorpusPage]:
    """All pages of one dataset folder (``truth.jsonl`` + ``pages/``)."""
    truth = directory / "truth.jsonl"
    if not truth.is_file():
        raise CorpusError(f"{directory} is not a corpus: it has no truth.jsonl")
    pages: list[CorpusPage] = []
    with truth.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            try:
                rec = json.loads(line)
                pages.append(
                    CorpusPage(
                        dataset=rec.get("source") or directory.name,
                        id=rec["id"],
                        path=directory / "pages" / f"{rec['id']}.html.gz",
                        url=rec.get("url"),
                        encoding=rec.get("encoding"),
                        main_text=rec.get("main_text"),
                        main_text_is_prefix=bool(rec.get("main_text_is_prefix")),
                        with_snippets=list(rec.get("with") or []),
                        without_snippets=list(rec.get("without") or []),
                        lang=rec.get("lang"),
                        page_type=rec.get("page_type"),
                        title=rec.get("title"),
                        extra=rec.get("extra") or {},
                    )
                )
            except (KeyError, ValueError) as exc:
                raise CorpusError(f"{truth}:{n}: malformed record ({exc})") from exc
    return pages


def read_corpora(paths: Iterable[Path | str]) -> list[CorpusPage]:
    """Pages of every dataset under the given paths.

    A path is either one dataset folder or a folder of datasets (like ``../shared/corpora``).
    """
    pages: list[CorpusPage] = []
    for raw in paths:
        path = Path(raw)
        if (path / "truth.jsonl").is_file():
            pages.extend(read_dataset(path))
        elif path.is_dir():
            found = sorted(p for p in path.iterdir() if (p / "truth.jsonl").is_file())
            if not found:
                raise CorpusError(f"{path} holds no dataset folder (none has a truth.jsonl)")
            for sub in found:
                pages.extend(read_dataset(sub))
        else:
            raise CorpusError(f"corpus path {path} does not exist")
    return pages


def site_groups(pages: list[CorpusPage]) -> list[str]:
    """A group name per page such that pages of one site, or duplicates, share a group.

    Pages without a URL form their own group unless a duplicate link ties them to another.
    """
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    for page in pages:
        site = site_of(page.url)
        union(page.key, f"site:{site}" if site else page.key)
        for dup in page.extra.get("duplicate_of") or []:
            union(page.key, f"{page.dataset}/{dup}")
    return [find(page.key) for page in pages]


def corpus_digest(pages: Iterable[CorpusPage]) -> str:
    """SHA-256 over every page's bytes and truth record, in key order (identifies the data)."""
    h = hashlib.sha256()
    for page in sorted(pages, key=lambda p: p.key):
        h.update(page.key.encode())
        h.update(page.path.read_bytes())
        h.update(json.dumps([page.main_text, page.with_snippets, page.without_snippets]).encode())
    return h.hexdigest()
