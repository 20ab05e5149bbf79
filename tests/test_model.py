"""Model files: native LightGBM text + JSON metadata, verified on load."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from thresher.config import DEFAULT_CONFIG
from thresher.errors import ModelError
from thresher.features.registry import column_names
from thresher.inference.extract import extract
from thresher.inference.model import METADATA_FILE, MODEL_FILE, BlockModel, default_model_dir, load_model
from thresher.training.estimator import BlockClassifier
from thresher.training.gold import gold_digest, load_gold
from thresher.vocabulary import load_form_phrases, load_metadata_phrases, load_vocabulary


@pytest.fixture(scope="module")
def tiny_model() -> BlockModel:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, len(column_names()))).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    return BlockClassifier(DEFAULT_CONFIG).fit(X, y).to_model({"note": "test"})


def test_save_load_round_trip_predicts_the_same(tiny_model: BlockModel, tmp_path: Path) -> None:
    tiny_model.save(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [METADATA_FILE, MODEL_FILE]
    assert (tmp_path / MODEL_FILE).read_text().startswith("tree")  # LightGBM's text format, no pickle
    loaded = BlockModel.load(tmp_path)
    X = np.random.default_rng(1).normal(size=(20, len(column_names()))).astype(np.float32)
    np.testing.assert_allclose(loaded.predict_proba(X), tiny_model.predict_proba(X))
    assert loaded.metadata["note"] == "test" and loaded.labels == ["boilerplate", "body"]


def test_training_is_deterministic(tiny_model: BlockModel) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, len(column_names()))).astype(np.float32)
    again = BlockClassifier(DEFAULT_CONFIG).fit(X, (X[:, 0] > 0).astype(int)).to_model()
    assert again.model_text() == tiny_model.model_text()


def test_tampered_model_is_refused(tiny_model: BlockModel, tmp_path: Path) -> None:
    tiny_model.save(tmp_path)
    (tmp_path / MODEL_FILE).write_text((tmp_path / MODEL_FILE).read_text().replace("tree", "tree ", 1))
    with pytest.raises(ModelError, match="checksum"):
        BlockModel.load(tmp_path)


def test_model_for_other_features_is_refused(tiny_model: BlockModel, tmp_path: Path) -> None:
    tiny_model.save(tmp_path)
    meta = json.loads((tmp_path / METADATA_FILE).read_text())
    meta["feature_names"] = meta["feature_names"][:-1]
    (tmp_path / METADATA_FILE).write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="other features"):
        BlockModel.load(tmp_path)


def test_model_saved_before_own_words_still_loads_and_extracts(tmp_path: Path, persian_html: bytes) -> None:
    # A user's model trained before the own_words feature has no own_word_buckets in its
    # metadata and no own_words columns: it is read with the feature off, not refused.
    old_features = replace(DEFAULT_CONFIG.features, own_word_buckets=0)
    names = column_names(old_features)
    assert not any(name.startswith("own_words") for name in names)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, len(names))).astype(np.float32)
    old = BlockClassifier(replace(DEFAULT_CONFIG, features=old_features)).fit(X, (X[:, 0] > 0).astype(int))
    old.to_model().save(tmp_path)
    meta = json.loads((tmp_path / METADATA_FILE).read_text())
    del meta["feature_config"]["own_word_buckets"]
    (tmp_path / METADATA_FILE).write_text(json.dumps(meta))
    loaded = BlockModel.load(tmp_path)
    assert loaded.feature_config.own_word_buckets == 0 and loaded.feature_names == names
    result = extract(persian_html, model=loaded)
    assert result.blocks and {b.label for b in result.blocks} <= {"body", "boilerplate"}


def test_missing_model_is_a_model_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not a thresher model"):
        load_model(tmp_path / "nowhere")


def test_default_model_ships_with_reproducible_metadata() -> None:
    model = load_model(None)
    training = model.metadata["training"]
    assert len(training["data_digest"]) == 64
    # It learnt from the gold labels in data/gold: change one and the default model must be rebuilt.
    assert training["gold_digest"] == gold_digest(load_gold())
    assert training["command"].startswith("thresher train --corpus")
    assert model.metadata["versions"]["lightgbm"]
    assert not list(default_model_dir().glob("*.pkl"))


def test_shipped_line_model_was_labelled_by_the_shipped_html_model() -> None:
    # The line model's region labels come from the HTML model, so its rebuild command only
    # reproduces it from the HTML model that ships beside it: retrain both, in that order.
    html = load_model(None)
    text = load_model(None, kind="text")
    training = text.metadata["training"]
    assert training["command"].startswith("thresher train-text --corpus")
    assert text.metadata["versions"]["lightgbm"] == html.metadata["versions"]["lightgbm"]
    assert training["vocabulary_digest"] == html.metadata["training"]["vocabulary_digest"]
    assert training["data_digest"] == html.metadata["training"]["data_digest"]
    assert training["labelled_by"]["html_model"] == html.checksums()
    # The vocabularies shape features: the shipped files must be the ones the models saw.
    assert training["vocabulary_digest"] == load_vocabulary().digest
    assert training["form_vocabulary_digest"] == load_form_phrases().digest
    assert training["metadata_vocabulary_digest"] == load_metadata_phrases().digest


def test_model_from_a_newer_lightgbm_format_is_refused(tiny_model: BlockModel, tmp_path: Path) -> None:
    import hashlib

    tiny_model.save(tmp_path)
    text = (tmp_path / MODEL_FILE).read_text().replace("version=v4", "version=v99", 1)
    (tmp_path / MODEL_FILE).write_text(text)
    meta = json.loads((tmp_path / METADATA_FILE).read_text())
    meta["model_sha256"] = hashlib.sha256(text.encode()).hexdigest()
    (tmp_path / METADATA_FILE).write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="LightGBM format v99"):
        BlockModel.load(tmp_path)
