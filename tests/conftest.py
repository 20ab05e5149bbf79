"""Shared fixtures: the Persian example page, the shared corpora, a synthetic corpus, an MLflow
store with two trained candidates, a small model with every part (body, regions, both second looks)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from thresher.inference.model import BlockModel

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


@pytest.fixture(scope="session")
def context_model() -> BlockModel:
    """A body model, a region model and both second looks, trained on random features (fast)."""
    from dataclasses import replace

    import numpy as np

    from thresher.config import DEFAULT_CONFIG, Config
    from thresher.features.registry import column_names
    from thresher.inference.context import context_width
    from thresher.regions import NON_BODY_REGIONS
    from thresher.training.estimator import BlockClassifier, RegionClassifier

    rng = np.random.default_rng(0)
    n_features = len(column_names())
    X = rng.normal(size=(600, n_features)).astype(np.float32)
    body = BlockClassifier(DEFAULT_CONFIG).fit(X, (X[:, 0] > 0).astype(int))
    y = rng.integers(0, len(NON_BODY_REGIONS), size=600)
    X[:, 1] += y  # something for the region models to learn
    config = Config(training=replace(DEFAULT_CONFIG.training, region_rounds=5))
    regions = RegionClassifier(config).fit(X, y)
    Xc = np.hstack([X, rng.normal(size=(600, context_width(1 + len(NON_BODY_REGIONS))))])
    context = RegionClassifier(config, context=True).fit(Xc, y)
    body_context = BlockClassifier(config, context=True).fit(Xc, (Xc[:, -1] > 0).astype(int))
    return body.to_model({}, regions, context, body_context)


@pytest.fixture(scope="session", autouse=True)
def compiled_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Where compiled models go during the tests: a throwaway folder, never the user's cache
    (the shipped model is compiled once per test session and shared by the tests that need it)."""
    root = tmp_path_factory.mktemp("cache")
    patch = pytest.MonkeyPatch()
    patch.setenv("XDG_CACHE_HOME", str(root))
    yield root / "thresher" / "compiled"
    patch.undo()


@pytest.fixture
def without_lleaves(monkeypatch: pytest.MonkeyPatch) -> None:
    """Imports of lleaves fail, as where the ``fast`` extra is not installed."""
    import builtins
    from typing import Any

    real_import = builtins.__import__

    def blocked(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "lleaves":
            raise ImportError("No module named 'lleaves'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", blocked)
