"""Shared fixtures: the Persian example page, the shared corpora, a synthetic corpus, an MLflow
store with two trained candidates."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
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


@dataclass(frozen=True)
class CandidateStore:
    """A temporary SQLite MLflow store holding one sweep of two candidates on the synthetic corpus."""

    uri: str
    root: Path
    experiment: str
    experiment_id: str
    runs: dict[str, str]
    """Candidate name → run id."""


@pytest.fixture(scope="session")
def candidate_store(synthetic_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CandidateStore]:
    """Train the ``all`` (LightGBM) and ``logreg`` candidates once for the registry, notebook and UI tests."""
    mlflow = pytest.importorskip("mlflow")
    from thresher.config import Config, TrainingConfig
    from thresher.training.candidates import select
    from thresher.training.train import train_candidates

    root = tmp_path_factory.mktemp("candidates")
    uri = f"sqlite:///{root / 'mlflow.db'}"
    config = Config(training=TrainingConfig(num_boost_round=60, n_folds=3))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLFLOW_TRACKING_URI", uri)
        results = train_candidates(
            [synthetic_corpus], select(["all,logreg"]), experiment="candidates", config=config, n_jobs=1
        )
        experiment = mlflow.MlflowClient(uri).get_experiment_by_name("candidates")
    mlflow.set_tracking_uri(None)
    yield CandidateStore(
        uri=uri,
        root=root,
        experiment="candidates",
        experiment_id=str(experiment.experiment_id),
        runs={r.candidate: str(r.run_id) for r in results},
    )
