"""The model-comparison notebook runs top to bottom on a small experiment, so it never rots."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import REPO, CandidateStore

NOTEBOOK = REPO / "notebooks" / "compare_models.ipynb"


def test_committed_notebook_has_no_outputs() -> None:
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    code = [c for c in cells if c["cell_type"] == "code"]
    assert code and all(not c["outputs"] and c["execution_count"] is None for c in code)


@pytest.mark.slow
def test_notebook_runs_on_an_experiment(
    candidate_store: CandidateStore, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")

    monkeypatch.setenv("MLFLOW_TRACKING_URI", candidate_store.uri)
    monkeypatch.setenv("THRESHER_EXPERIMENT", candidate_store.experiment)
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel's inline backend renders the plots
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}
    )
    client.execute()  # raises CellExecutionError, with the cell and traceback, when a cell fails
    nbformat.write(notebook, tmp_path / "executed.ipynb")

    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    text = "\n".join(
        o.get("text", "") + "".join(str(v) for k, v in o.get("data", {}).items() if k.startswith("text/"))
        for o in outputs
    )
    assert "2 candidates: all, logreg" in text
    assert "cv_synthetic_main_f1" in text and "inference_pages_per_s" in text
    assert "khabar.example" in text  # a site of the per-site error table
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= 2  # metrics and importance plots
    assert "persian_news.html labelled by candidate 'all'" in text
    assert any("background:#d9f2d9" in o.get("data", {}).get("text/html", "") for o in outputs)  # body colour
