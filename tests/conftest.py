"""Shared fixtures: the Persian example page, the shared corpora, a synthetic corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "data" / "fixtures"
CORPORA = (REPO.parent / "shared" / "corpora").resolve()
SEED = (REPO.parent / "shared" / "seeds" / "000_52baa8075d6733dd.txt").resolve()


@pytest.fixture(scope="session")
def persian_html() -> bytes:
    return (FIXTURES / "persian_news.html").read_bytes()


@pytest.fixture(scope="session")
def persian_expected() -> str:
    return (FIXTURES / "persian_news.expected.txt").read_text(encoding="utf-8").rstrip("\n")


@pytest.fixture(scope="session")
def corpora() -> Path:
    if not (CORPORA / "README.md").is_file():
        pytest.skip(f"the shared corpora are not at {CORPORA} (CI always has them)")
    return CORPORA


@pytest.fixture(scope="session")
def seed_text() -> str:
    """The founding example as plain text (a naive extractor's output), from ../shared/seeds."""
    if not SEED.is_file():
        pytest.skip(f"the founding seed text is not at {SEED} (CI always has it)")
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def synthetic_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.synthetic import write_corpus

    return write_corpus(tmp_path_factory.mktemp("corpus"))
