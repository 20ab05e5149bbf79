"""The ``thresher`` command: extract, train, evaluate, label, models (the MLflow registry)."""

from __future__ import annotations

import gzip
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from thresher.config import DEFAULT_CONFIG, Config, with_overrides
from thresher.errors import InputError, ThresherError
from thresher.inference.warc import WARC_SUFFIXES, is_archive, read_warc

app = typer.Typer(
    add_completion=False, no_args_is_help=True, help="Separate the story on web pages from boilerplate and link farms."
)
err = Console(stderr=True)
out = Console(width=None if sys.stdout.isatty() else 140)  # tables stay readable in logs
HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".html.gz", ".htm.gz")
TEXT_SUFFIXES = (".txt", ".txt.gz")
INPUT_FORMATS = ("auto", "html", "text")


def _inputs(paths: list[Path], input_format: str = "auto") -> Iterator[Path]:
    """Files named on the command line as given; folders searched for the input format's suffixes."""
    html = HTML_SUFFIXES + WARC_SUFFIXES
    suffixes = {"html": html, "text": TEXT_SUFFIXES}.get(input_format, html + TEXT_SUFFIXES)
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and p.name.lower().endswith(suffixes))
        else:
            yield path


def _pages(files: list[Path], input_format: str, failed: list[tuple[str, str]]) -> Iterator[tuple[str, Any]]:
    """(source, WARC page or None) for every page: a file is one page, an archive many.

    A damaged archive adds itself to ``failed`` and keeps the pages read before the damage.
    """
    for path in files:
        if _is_archive(path, input_format):
            try:
                for page in read_warc(path):
                    yield str(path), page
            except InputError as exc:
                failed.append((str(path), f"InputError: {exc}"))
        else:
            yield str(path), None


def _read(path: Path) -> bytes:
    data = path.read_bytes()
    if path.name.lower().endswith(".gz"):
        data = gzip.decompress(data)
    return data


def _is_archive(path: Path, input_format: str) -> bool:
    return input_format != "text" and is_archive(path)


def _is_text(path: str, input_format: str) -> bool:
    if input_format == "auto":
        return path.lower().endswith(TEXT_SUFFIXES)
    return input_format == "text"


def _extract_one(
    path: str,
    model: str | None,
    with_blocks: bool,
    keep: tuple[str, ...] = ("body",),
    with_regions: bool = False,
    input_format: str = "auto",
    compiled: bool = False,
    page: Any = None,
) -> dict[str, Any]:
    """Worker: never raises, so one bad page cannot stop the batch.  ``page``: a WARC page of ``path``."""
    from thresher.inference.extract import extract
    from thresher.inference.extract_text import extract_text
    from thresher.inference.model import load_model

    where = (
        {"url": page.url, "warc_record_id": page.record_id, "warc_date": page.date, "warc_offset": page.offset}
        if page
        else {}
    )
    try:
        if page is not None:
            html_model = load_model(model, "html", compiled=compiled)
            result = extract(page.content, url=page.url, http_charset=page.http_charset, model=html_model, keep=keep)
        elif _is_text(path, input_format):
            result = extract_text(_read(Path(path)), model=load_model(model, "text", compiled=compiled), keep=keep)
        else:
            result = extract(_read(Path(path)), model=load_model(model, "html", compiled=compiled), keep=keep)
    except (ThresherError, OSError, EOFError, gzip.BadGzipFile) as exc:
        return {"source": path, **where, "error": f"{type(exc).__name__}: {exc}"}
    return {"source": path, **where, **result.to_dict(with_blocks=with_blocks, with_regions=with_regions)}


@app.command()
def extract(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="HTML files (.html, .htm, .html.gz), web archives (.warc, .warc.gz: every HTML response), "
            "plain-text files (.txt) or folders."
        ),
    ],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write JSON lines here.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="text: the story; json: one object per page.")] = "text",
    jobs: Annotated[int, typer.Option("-j", "--jobs", help="Parallel worker processes.")] = 1,
    model: Annotated[
        str | None,
        typer.Option(
            help="Model folder, or MLflow URI: runs:/RUN/native_model, models:/thresher@champion (default: shipped)."
        ),
    ] = None,
    input_format: Annotated[
        str, typer.Option(help="auto: .txt files are plain text, the rest HTML; or html / text for all inputs.")
    ] = "auto",
    blocks: Annotated[bool, typer.Option(help="Include every block with its label in JSON.")] = True,
    regions: Annotated[bool, typer.Option("--regions", help="Print the labelled regions of each page.")] = False,
    keep: Annotated[
        list[str] | None,
        typer.Option(
            help="Region labels whose text goes into the text (repeat; default body; link_list = suggested + latest)."
        ),
    ] = None,
    compiled: Annotated[
        bool,
        typer.Option(
            "--compiled",
            help="Run the models compiled to native code (needs thresher\\[fast]): same labels, faster; "
            "the first run per model and machine compiles them (half a minute on 2 cores), later runs read the cache.",
        ),
    ] = False,
) -> None:
    """Extract the story from each page (HTML or WARC), or clean each already-extracted text (.txt)."""
    from joblib import Parallel, delayed

    from thresher.regions import expand_labels

    if fmt not in ("text", "json"):
        raise typer.BadParameter("--format is text or json")
    if input_format not in INPUT_FORMATS:
        raise typer.BadParameter(f"--input-format is one of {', '.join(INPUT_FORMATS)}")
    kept = tuple(keep or ("body",))
    try:
        expand_labels(kept)
    except ValueError as exc:
        raise typer.BadParameter(f"--keep: {exc}") from exc
    files = list(_inputs(paths, input_format))
    if not files:
        err.print("[red]no input files[/red]")
        raise typer.Exit(2)
    if compiled:  # compile (or load) once here, so parallel workers only read the cache
        from thresher.errors import ModelError
        from thresher.inference.model import load_model

        try:
            for kind in sorted({"text" if _is_text(str(f), input_format) else "html" for f in files}):
                load_model(model, kind, compiled=True)
        except ModelError as exc:
            err.print(f"[red]{escape(str(exc))}[/red]")
            raise typer.Exit(2) from exc
    as_json = fmt == "json" or output is not None
    sink = output.open("w", encoding="utf-8") if output else sys.stdout
    failed: list[tuple[str, str]] = []
    broken_archives: list[tuple[str, str]] = []
    results = Parallel(n_jobs=jobs, return_as="generator", batch_size=4)(
        delayed(_extract_one)(source, model, blocks, kept, regions, input_format, compiled, page)
        for source, page in _pages(files, input_format, broken_archives)
    )
    archives = any(_is_archive(f, input_format) for f in files)
    show_progress = (len(files) > 20 or archives) and (output is not None or not sys.stdout.isatty())
    with Progress(
        TextColumn("extract"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        disable=not show_progress,
    ) as progress:
        task = progress.add_task("extract", total=None if archives else len(files))
        pages = 0
        for record in results:
            progress.advance(task)
            pages += 1
            if "error" in record:
                where = f" (offset {record['warc_offset']}, {record['url']})" if "warc_offset" in record else ""
                failed.append((record["source"] + where, record["error"]))
                continue
            if as_json:
                sink.write(json.dumps(record, ensure_ascii=False) + "\n")
            else:
                if len(files) > 1 or archives:
                    sink.write(f"==> {record.get('url') or record['source']} <==\n")
                if regions:
                    for region in record["regions"]:
                        sink.write(f"[{region['label']}] {region['text']}\n")
                else:
                    sink.write(record["text"] + "\n")
    if output:
        sink.close()
    failed += broken_archives
    if failed:
        # A broken archive counts as one more input beside the pages read from it.
        err.print(f"[red]{len(failed)} of {pages + len(broken_archives)} inputs failed:[/red]")
        for source, message in failed:
            err.print(f"  {escape(source)}: {escape(message)}")
        raise typer.Exit(1)


SettingsOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="Override a setting, section.field=value (repeatable), e.g. training.region_num_leaves=127; "
        "sections: features, training, inference (see thresher/config.py).",
    ),
]
"""``--set``, shared by the training commands (read by :func:`_config_with`)."""


@app.command()
def train(
    corpus: Annotated[list[Path], typer.Option(help="Corpus folder(s): a dataset or a folder of datasets.")],
    experiment: Annotated[str, typer.Option(help="MLflow experiment name.")] = "thresher",
    output: Annotated[Path | None, typer.Option(help="Also save the model folder here.")] = None,
    run_name: Annotated[str | None, typer.Option(help="MLflow run name.")] = None,
    jobs: Annotated[int, typer.Option("-j", "--jobs", help="Parallel page parsing.")] = 2,
    candidates: Annotated[
        list[str] | None,
        typer.Option(
            help="Train these model candidates instead of one model, each an MLflow run "
            "(comma-separated or repeated): all, no_attr_tokens, no_context, deep_regions, logreg."
        ),
    ] = None,
    settings: SettingsOption = None,
) -> None:
    """Derive labels, cross-validate by site, train LightGBM and log the run to MLflow."""
    from thresher.training.candidates import select
    from thresher.training.tracking import tracking_uri
    from thresher.training.train import train as run_train
    from thresher.training.train import train_candidates

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    command = "thresher train " + " ".join(sys.argv[2:]) if len(sys.argv) > 2 else None
    config = _config_with(settings)
    if candidates:
        if output is not None or run_name is not None:
            raise typer.BadParameter("--output and --run-name name one model; with --candidates each run is named")
        try:
            chosen = select(candidates)
        except ThresherError as exc:
            raise typer.BadParameter(str(exc)) from exc
        results = train_candidates(corpus, chosen, experiment=experiment, config=config, n_jobs=jobs, command=command)
        out.print(_candidate_table(results))
        out.print(f"MLflow experiment {experiment!r} in {tracking_uri()}; compare the runs in `mlflow ui`")
        failed = results[0].failed_pages if results else []
    else:
        result = run_train(
            corpus,
            experiment=experiment,
            output=output,
            run_name=run_name,
            config=config,
            n_jobs=jobs,
            command=command,
        )
        table = Table(title="cross-validated on held-out sites")
        for col in ("dataset", "pages", "main P", "main R", "main F1", "snippet P", "snippet R", "snippet F1"):
            table.add_column(col)
        for s in result.cv_scores:
            table.add_row(s.dataset, str(s.pages), *_score_cells(s.main), *_score_cells(s.snippets))
        out.print(table)
        out.print(f"model: {result.model_dir}\nMLflow run: {result.run_id} in {tracking_uri()}")
        failed = result.failed_pages
    if failed:
        err.print(f"[yellow]{len(failed)} pages could not be read:[/yellow]")
        for msg in failed:
            err.print(f"  {escape(msg)}")


def _config_with(settings: list[str] | None) -> Config:
    """The default config with the command line's ``--set`` overrides; a bad one is a usage error."""
    try:
        return with_overrides(DEFAULT_CONFIG, settings or ())
    except ThresherError as exc:
        raise typer.BadParameter(str(exc), param_hint="--set") from exc


@app.command("train-text")
def train_text_command(
    corpus: Annotated[list[Path], typer.Option(help="Corpus folder(s): a dataset or a folder of datasets.")],
    experiment: Annotated[str, typer.Option(help="MLflow experiment name.")] = "thresher-text",
    output: Annotated[Path | None, typer.Option(help="Also save the text model folder here.")] = None,
    html_model: Annotated[
        str | None, typer.Option(help="HTML model whose region labels the lines inherit (default: shipped).")
    ] = None,
    compare_html: Annotated[bool, typer.Option(help="Also cross-validate the HTML model on the same pages.")] = True,
    jobs: Annotated[int, typer.Option("-j", "--jobs", help="Parallel page parsing.")] = 2,
    settings: SettingsOption = None,
) -> None:
    """Train the plain-text line model on text renderings of the corpora; cross-validate by site."""
    from thresher.training.text_train import train_text
    from thresher.training.tracking import tracking_uri

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    command = "thresher train-text " + " ".join(sys.argv[2:]) if len(sys.argv) > 2 else None
    result = train_text(
        corpus,
        config=_config_with(settings),
        output=output,
        experiment=experiment,
        html_model=html_model,
        compare_html=compare_html,
        n_jobs=jobs,
        command=command,
    )
    table = Table(title="cross-validated on held-out sites: text renderings (lines) and the HTML model")
    for col in ("input", "dataset", "pages", "line body P", "line body R", "line body F1", "main F1", "snippet F1"):
        table.add_column(col)
    for variant, per_dataset in result.scores.items():
        for s in per_dataset:
            line = result.line_scores.get(variant, {}).get(s.dataset)
            line_cells = _score_cells(line) if line else ["–"] * 3
            main = f"{s.main.f1:.4f}" if s.main else "–"
            snippets = f"{s.snippets.f1:.4f}" if s.snippets else "–"
            table.add_row(variant, s.dataset, str(s.pages), *line_cells, main, snippets)
    out.print(table)
    for variant, regions in result.region_scores.items():
        scored = zip(regions.labels, regions.f1, regions.present, strict=True)
        per_label = ", ".join(f"{name} {f1:.3f}" for name, f1, here in scored if here)
        out.print(f"gold lines, {variant}: region macro-F1 {regions.macro_f1:.3f} ({regions.pages} pages; {per_label})")
    out.print(f"text model: {result.model_dir}\nMLflow run: {result.run_id} in {tracking_uri()}")


def _candidate_table(results: list[Any]) -> Table:
    """Main/snippet F1 per dataset, region macro-F1 and pages/s, one row per candidate."""
    datasets = [s.dataset for s in results[0].cv_scores] if results else []
    table = Table(title="candidates, cross-validated on held-out sites")
    columns = ["candidate", "run"]
    for d in datasets:
        columns += [f"{d} main F1", f"{d} snippet F1"]
    for col in [*columns, "region macro-F1", "pages/s"]:
        table.add_column(col)
    for r in results:
        cells = [r.candidate, str(r.run_id)]
        for d in datasets:
            cells += [_metric(r.metrics, f"cv_{d}_main_f1"), _metric(r.metrics, f"cv_{d}_snippet_f1")]
        cells += [_metric(r.metrics, "cv_gold_region_macro_f1"), _metric(r.metrics, "inference_pages_per_s", 1)]
        table.add_row(*cells)
    return table


def _metric(metrics: dict[str, float], name: str, digits: int = 4) -> str:
    return f"{metrics[name]:.{digits}f}" if name in metrics else ""


def _score_cells(score: Any) -> list[str]:
    if score is None:
        return ["", "", ""]
    return [f"{score.precision:.4f}", f"{score.recall:.4f}", f"{score.f1:.4f}"]


@app.command()
def evaluate(
    corpus: Annotated[list[Path], typer.Option(help="Corpus folder(s).")],
    model: Annotated[str | None, typer.Option(help="Evaluate this model (default: grouped CV).")] = None,
    jobs: Annotated[int, typer.Option("-j", "--jobs")] = 2,
    reference: Annotated[bool, typer.Option(help="Run trafilatura in the same run.")] = True,
) -> None:
    """Main-text and snippet P/R/F1 per dataset on held-out sites, beside trafilatura."""
    from thresher.training.evaluate import run_evaluation

    report = run_evaluation([str(c) for c in corpus], model=model, n_jobs=jobs, with_reference=reference)
    table = Table(title=f"held-out sites: {report.mode}")
    for col in ("dataset", "pages", "extractor", "main P", "main R", "main F1", "snippet P", "snippet R", "snippet F1"):
        table.add_column(col)
    ref = {s.dataset: s for s in report.reference}
    for s in report.thresher:
        table.add_row(s.dataset, str(s.pages), "thresher", *_score_cells(s.main), *_score_cells(s.snippets))
        if s.dataset in ref:
            r = ref[s.dataset]
            table.add_row("", "", "trafilatura", *_score_cells(r.main), *_score_cells(r.snippets))
    out.print(table)
    if report.regions is not None:
        regions = Table(title=f"region labels on gold blocks of held-out sites ({report.regions.pages} pages)")
        for col in ("label", "gold blocks", "precision", "recall", "F1"):
            regions.add_column(col)
        r = report.regions
        for name, p, rec, f, n in zip(r.labels, r.precision, r.recall, r.f1, r.support, strict=True):
            regions.add_row(name, str(n), f"{p:.4f}", f"{rec:.4f}", f"{f:.4f}")
        regions.add_row("macro", "", "", "", f"{r.macro_f1:.4f}")
        out.print(regions)
    if report.excluded_pages:
        out.print(f"{report.excluded_pages} pages from sites the model was trained on were left out")
    if report.failed_pages:
        err.print(f"[yellow]{len(report.failed_pages)} pages could not be read[/yellow]")


@app.command()
def label(
    dataset: Annotated[str, typer.Argument(help="Dataset name, e.g. readability.")],
    page_id: Annotated[str, typer.Argument(help="Page id in that dataset.")],
    corpus: Annotated[Path, typer.Option(help="Folder of datasets.")] = Path("../shared/corpora"),
    out_dir: Annotated[Path, typer.Option("--out", help="Where to write the view.")] = Path("labelling"),
    model: Annotated[str | None, typer.Option(help="Model folder (default: shipped).")] = None,
) -> None:
    """Write a reviewable view (coloured HTML + TSV) of a corpus page's blocks and labels."""
    from thresher.training.labelling import write_view

    view, tsv = write_view(dataset, page_id, corpus, out_dir, model)
    out.print(f"view: {view}\nedit the label column of: {tsv}\nthen: thresher label-apply {tsv}")


@app.command("label-apply")
def label_apply(
    tsv: Annotated[Path, typer.Argument(help="A TSV written by 'thresher label', corrected.")],
    gold_dir: Annotated[Path, typer.Option("--gold", help="Gold folder.")] = Path("data/gold"),
    labeller: Annotated[str, typer.Option(help="Who labelled it.")] = "",
) -> None:
    """Turn a corrected label TSV into a gold label file."""
    from thresher.training.labelling import tsv_to_gold

    out.print(f"wrote {tsv_to_gold(tsv, gold_dir, labeller)}")


@app.command("gold-agreement")
def gold_agreement_command(
    second: Annotated[Path, typer.Argument(help="Folder of the second, independent labelling.")],
    first: Annotated[Path, typer.Option(help="Folder of the first labelling.")] = Path("data/gold"),
    corpus: Annotated[Path, typer.Option(help="Folder of datasets.")] = Path("../shared/corpora"),
) -> None:
    """Cohen's kappa between two labellings of the same gold pages."""
    from thresher.training.agreement import gold_agreement

    agreement = gold_agreement(first, second, corpus)
    out.print(
        f"{agreement.pages} pages, {agreement.blocks} blocks labelled by both: "
        f"Cohen's kappa {agreement.kappa:.3f}, raw agreement {agreement.raw:.3f}"
    )
    for parent, kappa in agreement.group_kappa.items():
        out.print(f"kappa with {parent} merged: {kappa:.3f}")
    out.print("F1 between the labellers per label: " + ", ".join(f"{k} {v:.3f}" for k, v in agreement.label_f1.items()))


models_app = typer.Typer(no_args_is_help=True, help="The MLflow model registry: register runs, set the champion.")
app.add_typer(models_app, name="models")


@models_app.command("register")
def models_register(
    run_id: Annotated[str, typer.Argument(help="The MLflow run whose model to register.")],
    name: Annotated[str, typer.Option(help="Registered model name.")] = "thresher",
) -> None:
    """Register a training run's model as a new version of a registered model."""
    from thresher.errors import ModelError
    from thresher.training.registry import register

    try:
        registered = register(run_id, name)
    except ModelError as exc:
        err.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(1) from exc
    out.print(f"registered {registered.name} version {registered.version} from {registered.source}")
    out.print(f"promote it: thresher models promote {registered.name} {registered.version}")


@models_app.command("promote")
def models_promote(
    name: Annotated[str, typer.Argument(help="Registered model name.")],
    version: Annotated[str, typer.Argument(help="Model version to point the alias at.")],
    alias: Annotated[str, typer.Option(help="Alias to set.")] = "champion",
) -> None:
    """Point an alias (default: champion) at a model version; load it as models:/NAME@ALIAS."""
    from thresher.errors import ModelError
    from thresher.training.registry import promote

    try:
        promote(name, version, alias)
    except ModelError as exc:
        err.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(1) from exc
    out.print(f"{name}@{alias} -> version {version}; use it: thresher extract --model models:/{name}@{alias} PAGE")
