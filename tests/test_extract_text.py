"""Plain-text mode: ``extract_text`` on the founding seed text and on bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from thresher import extract_text
from thresher.errors import InputError, ModelError
from thresher.features.lines import split_lines
from thresher.inference.cli import app
from thresher.regions import LINK_FARM_REGIONS


def _non_empty_lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def test_seed_text_keeps_exactly_its_first_six_lines(seed_text: str) -> None:
    lines = _non_empty_lines(seed_text)
    result = extract_text(seed_text)
    assert result.text.split("\n") == lines[:6]
    assert [b.label == "body" for b in result.blocks] == [True] * 6 + [False] * (len(lines) - 6)


def test_seed_text_lists_are_labelled_as_link_farm(seed_text: str) -> None:
    result = extract_text(seed_text)
    labels = [b.label for b in result.blocks]
    lines = _non_empty_lines(seed_text)
    assert len(labels) == len(lines)
    # The headline items sit between the list headings (the suggested items follow the comment
    # form's e-mail prompt): 3 related, 10 suggested and 30 latest headlines.
    related = labels[lines.index("خبرهای مرتبط") + 1 : lines.index("اخبار پیشنهادی")]
    prompt = next(i for i, line in enumerate(lines) if line.startswith("آدرس ایمیل"))
    suggested = labels[prompt + 1 : lines.index("آخرین اخبار")]
    latest = labels[lines.index("آخرین اخبار") + 1 :]
    assert (len(related), len(suggested), len(latest)) == (3, 10, 30)
    headlines = related + suggested + latest
    assert sum(label in LINK_FARM_REGIONS for label in headlines) >= 0.9 * len(headlines)
    # The kind, too: both lists under suggested-list headings are read as suggested, although
    # the "latest" list follows with no blank line (one headline run, were it not for its label).
    assert related + suggested == ["suggested"] * 13
    assert latest == ["latest"] * 30
    # What sits between the lists, as the issue names it: the form and its e-mail prompt, the
    # source line and the tags.
    assert labels[prompt - 1 : prompt + 1] == ["comment_form", "comment_form"]
    source = next(i for i, line in enumerate(lines) if line.startswith("منبع"))
    assert labels[source : source + 2] == ["metadata", "metadata"]
    assert result.link_farm_share > 0.5
    assert result.regions[0].label == "body" and result.regions[0].xpath == "/text"


def test_keep_adds_labels_and_title_is_returned(seed_text: str) -> None:
    body = extract_text(seed_text).text
    wider = extract_text(seed_text, title="مذاکرات عراق و آمریکا", keep=("body", "latest", "suggested"))
    assert wider.title == "مذاکرات عراق و آمریکا"
    assert wider.text.startswith(body) and len(wider.text) > len(body)


def test_empty_bytes_and_bad_input() -> None:
    assert extract_text("").text == "" and extract_text("\n \n").blocks == []
    story = "A first paragraph of a story, told in full.\nCopyright 2024"
    assert [b.text for b in extract_text(story.encode("utf-16")).blocks] == story.split("\n")
    with pytest.raises(InputError):
        extract_text(b"\x00\x01\x02binary")
    with pytest.raises(InputError):
        extract_text(123)
    with pytest.raises(ValueError):
        extract_text("text", keep=("nonsense",))


def test_html_model_is_refused_for_text() -> None:
    from thresher.inference.model import default_model_dir

    with pytest.raises(ModelError, match="html"):
        extract_text("some text", model=default_model_dir())


def test_cli_cleans_txt_files(seed_text: str, tmp_path: Path) -> None:
    seed = tmp_path / "seed.txt"
    seed.write_text(seed_text, encoding="utf-8")
    as_other = tmp_path / "seed.dump"
    as_other.write_text(seed_text, encoding="utf-8")
    runner = CliRunner()
    first = runner.invoke(app, ["extract", str(seed)])
    assert first.exit_code == 0, first.output
    assert first.stdout.strip().split("\n") == _non_empty_lines(seed_text)[:6]
    second = runner.invoke(app, ["extract", "--input-format", "text", str(as_other)])
    assert second.exit_code == 0 and second.stdout == first.stdout


def test_a_headline_run_pulls_its_doubtful_lines_along() -> None:
    from thresher.features.lines import headline_runs, line_column_names, line_feature_matrix
    from thresher.inference.postprocess import blend_groups

    lines = split_lines("A story paragraph that ends as prose does.\nOne\nTwo\nThree\nFour\nEnds here.")
    runs = headline_runs(line_feature_matrix(lines)[:, line_column_names().index("headline_like")])
    assert runs.tolist() == [0, 1, 1, 1, 1, 2]
    labels = ["body", "latest", "ads_share", "metadata"]
    proba = np.array(
        [
            [0.90, 0.05, 0.03, 0.02],
            [0.05, 0.80, 0.10, 0.05],
            [0.05, 0.80, 0.10, 0.05],
            [0.05, 0.40, 0.45, 0.10],  # a doubtful item of the list
            [0.05, 0.05, 0.05, 0.85],  # a line the model is sure of
            [0.05, 0.10, 0.05, 0.80],
        ]
    )
    smoothed = blend_groups(proba, runs, 0.3, labels)
    assert np.array_equal(smoothed[:, 0], proba[:, 0])  # body decisions never move
    assert np.argmax(smoothed[3, 1:]) == 0 and np.argmax(smoothed[4, 1:]) == 2
    assert np.allclose(smoothed[[0, 5]], proba[[0, 5]])  # alone in their runs
    assert blend_groups(proba, runs, 0.0, labels) is proba


def test_a_list_label_starts_a_new_headline_run() -> None:
    from thresher.features.lines import headline_runs, line_column_names, line_feature_matrix

    text = "A story paragraph that ends as prose does.\nRelated news\nOne\nTwo\nLatest news\nThree\nFour"
    X = line_feature_matrix(split_lines(text))
    names = line_column_names()
    flags = X[:, names.index("headline_like")]
    kind = X[:, names.index("list_kind_suggested")] + 2 * X[:, names.index("list_kind_latest")]
    assert headline_runs(flags).tolist() == [0, 1, 1, 1, 1, 1, 1]
    assert headline_runs(flags, kind).tolist() == [0, 1, 1, 1, 2, 2, 2]
