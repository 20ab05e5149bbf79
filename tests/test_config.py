"""Settings overrides (``thresher train --set section.field=value``)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from thresher.config import DEFAULT_CONFIG, with_overrides
from thresher.errors import ThresherError
from thresher.inference.cli import app
from thresher.inference.model import load_model

mlflow = pytest.importorskip("mlflow")
runner = CliRunner()


def test_overrides_read_each_value_by_its_field_type_and_change_nothing_else() -> None:
    config = with_overrides(
        DEFAULT_CONFIG,
        [
            "training.region_num_leaves=127",
            "training.regions=false",
            "training.weak_region_rules=comments, navigation",
            "inference.body_threshold=0.4",
            "features.context_offsets=-1,1",
            "training.weak_region_rules_without_gold=",
        ],
    )
    expected = replace(
        DEFAULT_CONFIG,
        training=replace(
            DEFAULT_CONFIG.training,
            region_num_leaves=127,
            regions=False,
            weak_region_rules=("comments", "navigation"),
            weak_region_rules_without_gold=(),
        ),
        inference=replace(DEFAULT_CONFIG.inference, body_threshold=0.4),
        features=replace(DEFAULT_CONFIG.features, context_offsets=(-1, 1)),
    )
    assert config == expected
    assert with_overrides(DEFAULT_CONFIG, []) == DEFAULT_CONFIG


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("training.region_num_leaves", "section.field=value"),
        ("region_num_leaves=3", "section.field=value"),
        ("training.region_leaves=3", "no field 'region_leaves'"),
        ("segmentation.max_blocks=10", "section 'segmentation' cannot be set"),
        ("model.depth=3", "section 'model' cannot be set"),
        ("training.num_leaves=many", "not of type int"),
        ("training.seed=1.5", "not of type int"),
        ("training.regions=maybe", "not of type bool"),
        ("features.context_offsets=-1,x", "not of type int"),
    ],
)
def test_bad_overrides_are_refused_with_the_reason(setting: str, message: str) -> None:
    with pytest.raises(ThresherError, match=message):
        with_overrides(DEFAULT_CONFIG, [setting])


@pytest.mark.parametrize("command", ["train", "train-text"])
def test_cli_refuses_a_bad_setting_before_reading_any_page(command: str, tmp_path: Path) -> None:
    result = runner.invoke(app, [command, "--corpus", str(tmp_path / "absent"), "--set", "training.nope=1"])
    assert result.exit_code == 2
    assert "no field 'nope'" in " ".join(result.output.replace("│", " ").split())


def test_train_set_reaches_the_saved_model(
    synthetic_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    settings = [
        "training.num_boost_round=20",
        "training.region_rounds=20",
        "training.n_folds=2",
        "training.region_num_leaves=4",
        "inference.body_threshold=0.45",
    ]
    args = ["train", "--corpus", str(synthetic_corpus), "--output", str(tmp_path / "model"), "-j", "1"]
    for setting in settings:
        args += ["--set", setting]
    try:
        result = runner.invoke(app, args)
        (run,) = mlflow.search_runs(experiment_names=["thresher"], output_format="list")
    finally:
        mlflow.set_tracking_uri(None)
    assert result.exit_code == 0, result.output
    model = load_model(tmp_path / "model")
    assert model.inference.body_threshold == 0.45
    assert model.region_booster is not None
    leaves = [tree["num_leaves"] for tree in model.region_booster.dump_model()["tree_info"]]
    assert max(leaves) <= 4 < DEFAULT_CONFIG.training.region_num_leaves
    assert model.booster.num_trees() == 20
    assert run.data.params["training.region_num_leaves"] == "4"
    assert run.data.params["inference.body_threshold"] == "0.45"
