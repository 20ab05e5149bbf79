"""End to end: train on fixture pages into a temporary MLflow store, load the model back
through mlflow.pyfunc and through thresher, and extract the Persian page."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from thresher.config import Config, TrainingConfig

mlflow = pytest.importorskip("mlflow")
pd = pytest.importorskip("pandas")


@pytest.fixture()
def tracking_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.chdir(tmp_path)
    yield uri
    mlflow.set_tracking_uri(None)


@pytest.mark.slow
def test_train_log_load_extract(
    synthetic_corpus: Path, tracking_store: str, tmp_path: Path, persian_html: bytes, persian_expected: str
) -> None:
    from thresher import extract, load_model
    from thresher.training.train import train

    config = Config(training=TrainingConfig(num_boost_round=60, n_folds=3))
    result = train([synthetic_corpus], experiment="e2e", output=tmp_path / "model", config=config, n_jobs=1)

    # Honest cross-validated figures on the held-out synthetic sites.
    assert [s.dataset for s in result.cv_scores] == ["synthetic"]
    assert result.metrics["cv_synthetic_main_f1"] > 0.9

    client = mlflow.MlflowClient(tracking_store)
    run = client.get_run(result.run_id)
    assert run.data.metrics["cv_synthetic_main_f1"] == pytest.approx(result.metrics["cv_synthetic_main_f1"])
    assert run.data.params["training.seed"] == "42"
    assert len(run.data.tags["data_digest"]) == 64
    assert run.inputs.dataset_inputs and run.inputs.dataset_inputs[0].dataset.name == "thresher-corpora"
    artifacts = {a.path for a in client.list_artifacts(result.run_id)}
    assert {"feature_importance.png", "page_errors.csv", "native_model"} <= artifacts

    # The pyfunc model takes HTML and returns labels.
    logged = mlflow.search_logged_models(experiment_ids=[run.info.experiment_id], output_format="list")
    assert logged, "the run logged no MLflow model"
    pyfunc = mlflow.pyfunc.load_model(logged[0].model_uri)
    frame = pyfunc.predict(pd.DataFrame({"html": [persian_html.decode("utf-8")], "url": [None]}))
    native = extract(persian_html, model=result.model_dir)
    assert frame.loc[0, "text"] == native.text
    assert list(frame.loc[0, "labels"]) == [b.label for b in native.blocks]

    # The same model through thresher, from the folder and from the MLflow run.
    via_run = extract(persian_html, model=f"runs:/{result.run_id}/native_model")
    assert via_run.text == native.text
    for paragraph in persian_expected.split("\n"):
        assert paragraph in native.text
    model = load_model(result.model_dir)
    assert model.metadata["training"]["pages"] == 40
    assert model.labels[0] == "body" and len(model.labels) == 11  # body model + region model
    assert os.path.exists(tmp_path / "model" / "regions.txt")
    assert model.context_booster is not None and os.path.exists(tmp_path / "model" / "region_context.txt")
    assert {"navigation", "comment_form"} <= set(frame.loc[0, "labels"])
    assert os.path.exists(tmp_path / "model" / "model.txt")
