"""Model candidates side by side in MLflow, the registry with a champion alias, and loading it back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from tests.conftest import CandidateStore
from thresher.config import DEFAULT_CONFIG, Config, FeatureConfig
from thresher.errors import ThresherError
from thresher.features.registry import column_names
from thresher.inference.cli import app
from thresher.training.candidates import CANDIDATES, CONTEXT, column_groups, select

mlflow = pytest.importorskip("mlflow")
pd = pytest.importorskip("pandas")
runner = CliRunner()


def test_candidates_are_declared_once_with_real_feature_groups() -> None:
    config = FeatureConfig()
    names = column_names(config)
    assert len(column_groups(config)) == len(names)
    attr = CANDIDATES["no_attr_tokens"].keep_mask(config)
    dropped = {n for n, k in zip(names, attr, strict=True) if not k}
    assert dropped == {n for n in names if n.startswith(("own_attr_", "ancestor_attr_"))}
    assert len(dropped) == config.own_attr_buckets + config.ancestor_attr_buckets
    context = CANDIDATES["no_context"].keep_mask(config)
    assert {n for n, k in zip(names, context, strict=True) if not k} == {n for n in names if "@" in n}
    assert CANDIDATES["all"].keep_mask(config).all() and CANDIDATES["logreg"].keep_mask(config).all()
    assert CONTEXT in column_groups(config)
    for candidate in CANDIDATES.values():
        assert candidate.meaning and candidate.estimator in ("lightgbm", "logreg")


def test_a_candidate_changes_only_the_training_fields_it_names() -> None:
    deep = CANDIDATES["deep_regions"].configure(DEFAULT_CONFIG)
    assert deep.training.region_num_leaves == 127 > DEFAULT_CONFIG.training.region_num_leaves
    assert (
        replace(deep.training, region_num_leaves=DEFAULT_CONFIG.training.region_num_leaves) == DEFAULT_CONFIG.training
    )
    assert deep.features == DEFAULT_CONFIG.features and deep.inference == DEFAULT_CONFIG.inference
    assert CANDIDATES["all"].configure(DEFAULT_CONFIG) is DEFAULT_CONFIG
    typo = replace(CANDIDATES["deep_regions"], settings=("training.region_leaves=127",))
    with pytest.raises(ThresherError, match=r"candidate 'deep_regions': .* no field 'region_leaves'"):
        typo.configure(DEFAULT_CONFIG)


def test_select_candidates() -> None:
    assert [c.name for c in select(["all,logreg", "no_context", "all"])] == ["all", "logreg", "no_context"]
    with pytest.raises(ThresherError, match="unknown candidate 'xgboost'"):
        select(["all,xgboost"])
    with pytest.raises(ThresherError):
        select([""])


def test_cli_rejects_unknown_candidates(tmp_path: Path) -> None:
    result = runner.invoke(app, ["train", "--corpus", str(tmp_path), "--candidates", "nope"])
    assert result.exit_code == 2 and "unknown candidate" in result.output


@pytest.fixture()
def store_env(candidate_store: CandidateStore, monkeypatch: pytest.MonkeyPatch) -> Iterator[CandidateStore]:
    from thresher.inference import model as model_module

    monkeypatch.setenv("MLFLOW_TRACKING_URI", candidate_store.uri)
    monkeypatch.setattr(model_module, "_CACHE", {})  # models:/ URIs resolve anew against this store
    yield candidate_store
    mlflow.set_tracking_uri(None)
    mlflow.set_registry_uri(None)


@pytest.mark.slow
def test_candidate_runs_line_up(store_env: CandidateStore) -> None:
    client = mlflow.MlflowClient(store_env.uri)
    runs = {name: client.get_run(run_id) for name, run_id in store_env.runs.items()}
    assert set(runs) == {"all", "logreg"}
    lgbm, logreg = runs["all"], runs["logreg"]
    # Same metric names, so the compare view lines them up; real numbers in each.
    assert set(lgbm.data.metrics) == set(logreg.data.metrics)
    for run in runs.values():
        metrics = run.data.metrics
        assert metrics["cv_synthetic_main_f1"] > 0.8
        assert metrics["inference_pages_per_s"] > 0
        assert {"cv_block_body_f1", "cv_synthetic_main_precision"} <= set(metrics)
        tags = run.data.tags
        assert tags["feature_set"] == tags["candidate"] == run.info.run_name
        assert len(tags["data_digest"]) == 64 and tags["git_commit"]
        artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
        assert {"feature_importance.json", "feature_importance.png", "page_errors.csv"} <= artifacts
    assert lgbm.data.tags["sweep_id"] == logreg.data.tags["sweep_id"]
    assert lgbm.data.tags["data_digest"] == logreg.data.tags["data_digest"]
    assert lgbm.data.tags["model_format"] == "lightgbm-text" and logreg.data.tags["model_format"] == "none"
    assert "native_model" in {a.path for a in client.list_artifacts(lgbm.info.run_id)}
    assert "native_model" not in {a.path for a in client.list_artifacts(logreg.info.run_id)}
    local = mlflow.artifacts.download_artifacts(run_id=logreg.info.run_id, artifact_path="feature_importance.json")
    importance = json.loads(Path(local).read_text())
    assert set(importance) == set(column_names()) and max(importance.values()) > 0


@pytest.mark.slow
def test_dropped_columns_are_never_used(synthetic_corpus: Path) -> None:
    from thresher.config import Config, TrainingConfig
    from thresher.training.corpus import read_corpora
    from thresher.training.crossval import fit_model
    from thresher.training.dataset import build_pages

    config = Config(training=TrainingConfig(num_boost_round=30, regions=False))
    data, _ = build_pages(read_corpora([synthetic_corpus]), config)
    full_gain = fit_model(data, config).booster.feature_importance("gain")
    keep = np.ones(len(full_gain), dtype=bool)
    keep[np.argsort(full_gain)[-3:]] = False  # the three columns the full model leans on most
    model = fit_model(data, config, keep=keep)
    gain = model.booster.feature_importance("gain")
    assert (full_gain[~keep] > 0).all() and (gain[~keep] == 0).all() and gain[keep].sum() > 0
    assert model.booster.num_feature() == len(keep)  # still reads the full matrix
    X = data[0].X.copy()
    blanked = X.copy()
    blanked[:, ~keep] = 0.0
    assert np.allclose(model.predict_proba(X), model.predict_proba(blanked))


@pytest.mark.slow
def test_register_promote_and_load_by_alias(store_env: CandidateStore, persian_html: bytes, tmp_path: Path) -> None:
    from thresher import ModelError, extract, load_model

    run_id = store_env.runs["all"]
    registered = runner.invoke(app, ["models", "register", run_id])
    assert registered.exit_code == 0, registered.output
    assert "registered thresher version 1" in registered.stdout
    promoted = runner.invoke(app, ["models", "promote", "thresher", "1"])
    assert promoted.exit_code == 0, promoted.output
    client = mlflow.MlflowClient(store_env.uri)
    assert str(client.get_model_version_by_alias("thresher", "champion").version) == "1"

    # The champion through mlflow.pyfunc and through thresher: the model of the run, exactly.
    via_run = extract(persian_html, model=f"runs:/{run_id}/native_model")
    pyfunc = mlflow.pyfunc.load_model("models:/thresher@champion")
    frame = pyfunc.predict(pd.DataFrame({"html": [persian_html.decode("utf-8")], "url": [None]}))
    via_alias = extract(persian_html, model="models:/thresher@champion")
    assert frame.loc[0, "text"] == via_alias.text == via_run.text
    assert list(frame.loc[0, "labels"]) == [b.label for b in via_alias.blocks]
    assert load_model("models:/thresher@champion").metadata["training"]["candidate"] == "all"
    page = tmp_path / "page.html"
    page.write_bytes(persian_html)
    cli = runner.invoke(app, ["extract", str(page), "--model", "models:/thresher@champion"])
    assert cli.exit_code == 0, cli.output
    assert cli.stdout.strip() == via_alias.text

    # Clear failures, in the project's own error type.
    with pytest.raises(ModelError, match="alias"):
        load_model("models:/thresher@nobody")
    baseline = runner.invoke(app, ["models", "register", store_env.runs["logreg"]])
    assert baseline.exit_code == 1 and "evaluation-only" in baseline.stderr
    unknown = runner.invoke(app, ["models", "register", "0" * 32])
    assert unknown.exit_code == 1 and "no run" in unknown.stderr
    missing = runner.invoke(app, ["models", "promote", "thresher", "9"])
    assert missing.exit_code == 1 and "version 9" in missing.stderr


def test_unreachable_tracking_server_is_a_model_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from thresher import ModelError, load_model
    from thresher.inference import model as model_module

    monkeypatch.setattr(model_module, "_CACHE", {})
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:9")  # discard port: nothing listens
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "5")
    with pytest.raises(ModelError, match=r"127\.0\.0\.1:9"):
        load_model("models:/thresher@champion")
    mlflow.set_tracking_uri(None)
    mlflow.set_registry_uri(None)


def test_candidates_that_change_the_config_get_pages_labelled_with_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from thresher.training import train as train_module

    parsed: list[Config] = []

    def fake_prepare(corpus: object, config: Config, n_jobs: int, command: object) -> train_module.Prepared:
        parsed.append(config)
        return train_module.Prepared([], [], "", "", [], [], "", config)

    monkeypatch.setattr(train_module, "prepare", fake_prepare)
    monkeypatch.setattr(train_module, "train_candidate", lambda prepared, c, config, **_: (c.name, prepared.config))
    chosen = select(["all,no_context,deep_regions"])
    results = train_module.train_candidates([], chosen)
    deep = CANDIDATES["deep_regions"].configure(DEFAULT_CONFIG)
    assert parsed == [DEFAULT_CONFIG, deep]  # all and no_context share one parse
    assert results == [("all", DEFAULT_CONFIG), ("no_context", DEFAULT_CONFIG), ("deep_regions", deep)]
    monkeypatch.undo()
    stale = train_module.Prepared([], [], "", "", [], [], "", DEFAULT_CONFIG)
    with pytest.raises(ThresherError, match="another config than its pages were labelled with"):
        train_module.train_candidate(stale, CANDIDATES["deep_regions"], DEFAULT_CONFIG, log_to_mlflow=False)
