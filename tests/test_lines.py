"""Plain-text mode: lines and line features (every declared feature has a passing probe)."""

from __future__ import annotations

import numpy as np
import pytest

from thresher.config import DEFAULT_CONFIG
from thresher.features.lines import (
    LINE_REGISTRY,
    LineFeature,
    line_column_names,
    line_feature_matrix,
    split_lines,
)


def _target_value(feature: LineFeature, text: str) -> float:
    lines = split_lines(text)
    index = next(i for i, line in enumerate(lines) if "TARGET" in line.text)
    X = line_feature_matrix(lines, feature.probe_title)
    # A feature of several columns scores its probe column, or else the sum of its columns
    # (hashed words).
    names = [feature.probe_column] if feature.probe_column else feature.column_names(DEFAULT_CONFIG.features)
    columns = [line_column_names().index(name) for name in names]
    return float(X[index, columns].sum())


@pytest.mark.parametrize("feature", LINE_REGISTRY, ids=[f.name for f in LINE_REGISTRY])
def test_line_feature_probe(feature: LineFeature) -> None:
    assert feature.name and feature.meaning and "\n" not in feature.meaning
    high, low = feature.probe
    assert _target_value(feature, high) > _target_value(feature, low)


def test_split_lines_keeps_paragraph_breaks_and_drops_empty_lines() -> None:
    lines = split_lines("  First  para.\r\n\r\nSecond\nThird\u2028\n\n")
    assert [(x.text, x.blank_before, x.blank_after) for x in lines] == [
        ("First para.", False, True),
        ("Second", True, False),
        ("Third", False, True),
    ]
    assert split_lines("") == [] and split_lines("\n \n\t\n") == []


def test_matrix_shape_names_and_context() -> None:
    names = line_column_names()
    assert len(names) == len(set(names))
    X = line_feature_matrix(split_lines("One line.\nTwo\nThree"), title="One")
    assert X.shape == (3, len(names)) and X.dtype == np.float32
    assert np.isnan(X[0, names.index("log_tokens@-1")]) and not np.isnan(X[1, names.index("log_tokens@-1")])
    assert line_feature_matrix([]).shape == (0, len(names))


def test_features_are_script_independent() -> None:
    """A Persian paragraph and a list of Persian headlines differ as English ones do."""
    para = "معاون فرمانده عملیات مشترک عراق گفت که تنها چند نیروی ائتلاف در مناطق فدرال باقی مانده‌اند."
    heads = "\n".join(["آغاز خروج نیروهای آمریکایی از پایگاه", "اوکراین در بن‌بست صلح", "ویتکاف در راه مسکو"])
    X = line_feature_matrix(split_lines(f"{para}\n\n{heads}"))
    names = line_column_names()
    assert X[0, names.index("ends_sentence")] == 1 and X[0, names.index("headline_like")] == 0
    assert all(X[1:, names.index("headline_like")] == 1)
    assert X[2, names.index("headline_run")] == pytest.approx(np.log1p(3))


def test_list_labels_name_the_lists_below_them_in_persian(seed_text: str) -> None:
    # The founding text's own list headings: "خبرهای مرتبط" (related) over three headlines,
    # "آخرین اخبار" (latest) over thirty; the story above them has no list label.
    lines = split_lines(seed_text)
    texts = [line.text for line in lines]
    X = line_feature_matrix(lines)
    names = line_column_names()
    suggested = X[:, names.index("list_kind_suggested")]
    latest = X[:, names.index("list_kind_latest")]
    related, newest = texts.index("خبرهای مرتبط"), texts.index("آخرین اخبار")
    assert suggested[related : related + 4].all() and not latest[related : related + 4].any()
    assert latest[newest:].all() and not suggested[newest:].any()
    assert not suggested[:5].any() and not latest[:5].any()  # the lead and story paragraphs


def test_form_words_mark_the_persian_comment_form_and_nothing_else(seed_text: str) -> None:
    # The founding text's comment form survives as its heading "تبادل نظر" and the e-mail prompt
    # under it; no story line, list heading or headline uses a form's words.
    lines = split_lines(seed_text)
    X = line_feature_matrix(lines)
    flags = X[:, line_column_names().index("form_words")]
    marked = [line.text for line, flag in zip(lines, flags, strict=True) if flag]
    assert marked == ["تبادل نظر", "آدرس ایمیل خود را با فرمت مناسب وارد نمایید."]


def test_line_words_hash_the_openings_of_short_lines_only(seed_text: str) -> None:
    # A form prompt or a footer line is worded alike across sites; a story paragraph's opening
    # is the story's own, and hashing it let the model learn a site's sentences.
    lines = split_lines(seed_text)
    X = line_feature_matrix(lines)
    names = line_column_names()
    words = X[:, [i for i, name in enumerate(names) if name.startswith("line_words_")]]
    n_tokens = np.expm1(X[:, names.index("log_tokens")]).round()
    assert (words[n_tokens >= 20].sum(axis=1) == 0).all() and (n_tokens >= 20).sum() >= 5
    assert (words[(n_tokens > 0) & (n_tokens < 20)].sum(axis=1) > 0).all()
