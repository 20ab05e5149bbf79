"""Models compiled to native code by lleaves (the ``fast`` extra): same numbers, cached on disk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import lightgbm
import numpy as np
import pytest

from thresher import extract
from thresher.errors import ModelError
from thresher.features.registry import column_names
from thresher.inference import compiled as compiled_module
from thresher.inference.context import BlockLayout
from thresher.inference.model import BlockModel, default_model_dir, load_model

lleaves = pytest.importorskip("lleaves", reason="the 'fast' extra (lleaves) is not installed")


def _page(n: int = 40) -> tuple[np.ndarray, BlockLayout]:
    X = np.random.default_rng(3).normal(size=(n, len(column_names())))
    X[:, 1] += np.arange(n) % 10  # spread the blocks over the region models' classes
    layout = BlockLayout(np.arange(n) // 5, np.arange(n) % 3, np.zeros(n, dtype=bool))
    return X, layout


def test_compiled_model_gives_the_same_probabilities(
    context_model: BlockModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = context_model.compiled(tmp_path)
    X, layout = _page()
    expected = context_model.predict_proba(X, layout)
    with monkeypatch.context() as patch:  # LightGBM's own predict must not run
        patch.setattr(lightgbm.Booster, "predict", _refuse)
        np.testing.assert_allclose(fast.predict_proba(X, layout), expected, atol=1e-12)
    # every part ran compiled code, and the parts still save as the same LightGBM text
    assert all(type(b).__name__ == "CompiledBooster" for b in _boosters(fast))
    assert fast.checksums() == context_model.checksums()
    # other predict modes are LightGBM's own
    raw = fast.region_booster.predict(X, raw_score=True)
    np.testing.assert_allclose(raw, context_model.region_booster.predict(X, raw_score=True))


def test_a_compiled_model_is_loaded_from_the_cache(
    context_model: BlockModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    context_model.compiled(tmp_path)
    binaries = {p.name: p.stat().st_mtime_ns for p in tmp_path.glob("*.so")}
    assert len(binaries) == 4  # body, regions, and the two second looks
    assert not list(tmp_path.glob("*.part"))  # no scratch file is left behind

    asked: list[Any] = []
    real = compiled_module._compile_missing

    def spy(pairs: Any) -> None:
        asked.append(pairs)
        real(pairs)

    monkeypatch.setattr(compiled_module, "_compile_missing", spy)
    monkeypatch.setattr(lleaves.lleaves.compiler, "compile_to_module", _refuse)  # nor here, in this process
    again = context_model.compiled(tmp_path)
    assert asked == [[]]  # nothing left to compile
    X, layout = _page()
    np.testing.assert_allclose(again.predict_proba(X, layout), context_model.predict_proba(X, layout), atol=1e-12)
    assert {p.name: p.stat().st_mtime_ns for p in tmp_path.glob("*.so")} == binaries


def test_compiling_without_the_fast_extra_is_a_model_error(
    context_model: BlockModel, tmp_path: Path, without_lleaves: None
) -> None:
    with pytest.raises(ModelError, match=r"thresher\[fast\]"):
        context_model.compiled(tmp_path)


def test_a_cache_folder_that_cannot_be_written_is_a_model_error(context_model: BlockModel, tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    with pytest.raises(ModelError, match="cannot keep compiled models"):
        context_model.compiled(blocked / "compiled")


def test_the_shipped_model_compiled_extracts_the_same_page(persian_html: bytes, compiled_cache: Path) -> None:
    plain = extract(persian_html)
    fast_model = load_model(compiled=True)
    assert load_model(compiled=True) is fast_model  # compiled once per process
    with pytest.raises(ModelError, match="html input"):  # the kind is checked before compiling
        load_model(default_model_dir("html"), "text", compiled=True)
    fast = extract(persian_html, model=fast_model)
    assert fast.text == plain.text
    assert [b.label for b in fast.blocks] == [b.label for b in plain.blocks]
    np.testing.assert_allclose([b.proba for b in fast.blocks], [b.proba for b in plain.blocks], atol=1e-12)
    assert list(compiled_cache.glob("*.so"))  # the user's cache folder (platformdirs), here the tests' own


def _refuse(*args: Any, **kwargs: Any) -> None:
    raise AssertionError("this must not run: the compiled model (or its cached binary) should have served")


def _boosters(model: BlockModel) -> list[Any]:
    return [model.booster, model.region_booster, model.context_booster, model.body_context_booster]
