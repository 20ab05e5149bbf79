"""The command line: extract over files and folders, bad files reported, exit codes."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from thresher.inference.cli import app
from thresher.inference.model import BlockModel

runner = CliRunner()


def test_extract_prints_the_story(persian_html: bytes, persian_expected: str, tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_bytes(persian_html)
    result = runner.invoke(app, ["extract", str(page)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == persian_expected


def test_extract_folder_to_jsonl_in_parallel_and_report_bad_files(
    persian_html: bytes, persian_expected: str, tmp_path: Path
) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "a.html").write_bytes(persian_html)
    (pages / "b.html.gz").write_bytes(gzip.compress(persian_html))
    (pages / "c.htm").write_bytes(bytes(range(256)) * 20)  # binary junk
    (pages / "d.html.gz").write_bytes(b"not gzip at all")  # broken archive
    (pages / "notes.md").write_text("ignored: neither an HTML nor a text suffix")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["extract", str(pages), "-o", str(out), "-j", "2"])
    assert result.exit_code == 1
    assert "2 of 4 inputs failed" in result.stderr
    assert "c.htm" in result.stderr and "d.html.gz" in result.stderr
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [Path(r["source"]).name for r in records] == ["a.html", "b.html.gz"]
    for record in records:
        assert record["text"] == persian_expected
        assert set(record) >= {"source", "url", "title", "text", "blocks"}
        assert {"text", "label", "proba", "xpath"} <= set(record["blocks"][0])


def test_json_format_to_stdout(persian_html: bytes, tmp_path: Path) -> None:
    page = tmp_path / "p.html"
    page.write_bytes(persian_html)
    result = runner.invoke(app, ["extract", str(page), "--format", "json", "--no-blocks"])
    assert result.exit_code == 0
    record = json.loads(result.stdout)
    assert "blocks" not in record and record["title"]


def test_no_inputs_is_an_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["extract", str(tmp_path)])
    assert result.exit_code == 2


def test_model_option_takes_a_model_folder(persian_html: bytes, tmp_path: Path) -> None:
    from thresher.inference.model import default_model_dir

    model = tmp_path / "model"
    shutil.copytree(default_model_dir(), model)
    page = tmp_path / "p.html"
    page.write_bytes(persian_html)
    assert runner.invoke(app, ["extract", str(page), "--model", str(model)]).exit_code == 0
    assert runner.invoke(app, ["extract", str(page), "--model", str(tmp_path / "none")]).exit_code == 1


def test_regions_and_keep_options(persian_html: bytes, persian_expected: str, tmp_path: Path) -> None:
    page = tmp_path / "p.html"
    page.write_bytes(persian_html)
    regions = runner.invoke(app, ["extract", str(page), "--regions"])
    assert regions.exit_code == 0
    assert "[latest]" in regions.stdout and "[body]" in regions.stdout and "[comment_form]" in regions.stdout
    kept = runner.invoke(app, ["extract", str(page), "--keep", "body", "--keep", "latest"])
    assert kept.exit_code == 0 and kept.stdout.startswith(persian_expected.split("\n")[0])
    assert len(kept.stdout) > len(persian_expected) + 500
    assert runner.invoke(app, ["extract", str(page), "--keep", "menu"]).exit_code == 2


def test_compiled_models_give_the_same_extractions(
    persian_html: bytes, seed_text: str, tmp_path: Path, compiled_cache: Path
) -> None:
    pytest.importorskip("lleaves", reason="the 'fast' extra (lleaves) is not installed")
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "a.html").write_bytes(persian_html)
    (pages / "b.txt").write_text(seed_text, encoding="utf-8")  # plain-text mode: the line model
    runs = {}
    for flags in ([], ["--compiled"]):
        result = runner.invoke(app, ["extract", str(pages), "--format", "json", *flags])
        assert result.exit_code == 0, result.output
        runs[tuple(flags)] = [json.loads(line) for line in result.stdout.splitlines()]
    plain, fast = runs[()], runs[("--compiled",)]
    assert [r["text"] for r in fast] == [r["text"] for r in plain] and len(fast) == 2
    assert [[b["label"] for b in r["blocks"]] for r in fast] == [[b["label"] for b in r["blocks"]] for r in plain]
    assert len(list(compiled_cache.glob("*.so"))) >= 6  # the HTML and the line model, compiled


def test_compiled_without_the_fast_extra_stops_before_any_page(
    persian_html: bytes, context_model: BlockModel, tmp_path: Path, without_lleaves: None
) -> None:
    model = context_model.save(tmp_path / "model")  # a folder no earlier test compiled
    page = tmp_path / "page.html"
    page.write_bytes(persian_html)
    result = runner.invoke(app, ["extract", str(page), "--model", str(model), "--compiled"])
    assert result.exit_code == 2
    assert "thresher[fast]" in result.stderr and result.stdout == ""


def test_help_names_the_extras_to_install() -> None:
    # rich reads "[fast]" as markup and drops it unless the help text escapes it.
    result = runner.invoke(app, ["extract", "--help"], env={"COLUMNS": "300"})
    assert result.exit_code == 0
    assert "thresher[fast]" in result.stdout
