"""Stage 3: every declared feature has a name, a meaning and a passing probe."""

from __future__ import annotations

import numpy as np
import pytest

from thresher.features.blocks import segment
from thresher.features.document import parse
from thresher.features.registry import CONTEXT_OF, REGISTRY, Feature, column_names, feature_matrix
from thresher.features.tokens import tokens


def _target_value(feature: Feature, html: str) -> float:
    doc = parse(html)
    blocks = segment(doc)
    index = next(i for i, b in enumerate(blocks) if "TARGET" in b.text)
    X = feature_matrix(blocks, doc)
    names = column_names()
    cols = (
        [names.index(feature.probe_column)]
        if feature.probe_column
        else [names.index(c) for c in feature.column_names()]
    )
    return float(X[index, cols].sum())


@pytest.mark.parametrize("feature", REGISTRY, ids=[f.name for f in REGISTRY])
def test_feature_probe(feature: Feature) -> None:
    assert feature.name and feature.meaning and "\n" not in feature.meaning
    high, low = feature.probe
    assert _target_value(feature, high) > _target_value(feature, low)


def test_names_are_unique_and_match_matrix() -> None:
    names = column_names()
    assert len(names) == len(set(names))
    doc = parse("<p>a b c.</p><ul><li><a href='/'>x</a></li></ul>")
    X = feature_matrix(segment(doc), doc)
    assert X.shape == (2, len(names)) and X.dtype == np.float32


def test_only_context_columns_may_be_missing() -> None:
    doc = parse("<p>a</p><p>b c</p><p>d e f.</p>")
    X = feature_matrix(segment(doc), doc)
    names = column_names()
    for j, name in enumerate(names):
        if "@" not in name:
            assert np.isfinite(X[:, j]).all(), name
    assert all(name.split("@")[0] in CONTEXT_OF for name in names if "@" in name)
    first_prev = names.index("log_tokens@-1")
    assert np.isnan(X[0, first_prev]) and X[1, first_prev] == pytest.approx(np.log1p(1))


def test_own_words_hash_short_blocks_alike_across_pages_and_skip_prose() -> None:
    # The same share bar on two pages lights the same buckets whatever else the page holds;
    # a paragraph (20+ tokens) lights none, so a site's sentence openings are not learnt.
    cols = [column_names().index(c) for c in next(f for f in REGISTRY if f.name == "own_words").column_names()]

    def words_of(html: str) -> dict[str, np.ndarray]:
        doc = parse(html)
        blocks = segment(doc)
        X = feature_matrix(blocks, doc)
        return {b.text: X[i, cols] for i, b in enumerate(blocks)}

    first = words_of(f"<p>{_PROSE}</p><div>Share this article</div>")
    second = words_of("<h1>Another story</h1><div>Share this article</div><p>Tags: world</p>")
    assert first["Share this article"].sum() == 3
    assert np.array_equal(first["Share this article"], second["Share this article"])
    assert not np.array_equal(second["Tags: world"], second["Share this article"])
    assert first[_PROSE].sum() == 0


_PROSE = " ".join(f"word{i}" for i in range(25)) + "."


def test_empty_page_gives_empty_matrix() -> None:
    assert feature_matrix([], None).shape == (0, len(column_names()))


def test_hash_widths_follow_the_feature_config() -> None:
    from dataclasses import replace

    from thresher.config import DEFAULT_CONFIG

    default = DEFAULT_CONFIG.features
    wide = replace(default, heading_buckets=64, own_attr_buckets=8)
    names = column_names(wide)
    assert len(names) == len(column_names()) + (64 - default.heading_buckets) - (default.own_attr_buckets - 8)
    assert "heading_words_63" in names and "own_attr_8" not in names
    doc = parse(b"<html><body><h2>Related</h2><ul><li><a href='/a'>One story</a></li></ul></body></html>")
    assert feature_matrix(segment(doc), doc, wide).shape[1] == len(names)
    assert feature_matrix([], None, wide).shape == (0, len(names))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello, world!", ["hello", "world"]),
        ("می‌شود است", ["می\u200cشود", "است"]),
        ("東京は晴れ", ["東", "京", "は", "晴", "れ"]),
        ("Straße 12b", ["straße", "12b"]),
        ("мир, труд", ["мир", "труд"]),
    ],
)
def test_tokens_work_across_scripts(text: str, expected: list[str]) -> None:
    assert tokens(text) == expected


def test_features_do_not_depend_on_the_language() -> None:
    # The same page shape in English and Persian words gives the same structural features.
    en = "<p>alpha beta gamma delta.</p><ul><li><a href='/'>one two</a></li></ul>"
    fa = "<p>الف ب پ ت.</p><ul><li><a href='/'>یک دو</a></li></ul>"
    names = column_names()
    cols = [names.index(n) for n in ("log_tokens", "link_density", "sentence_ends", "is_short_link_item")]
    X_en = feature_matrix(segment(parse(en)), parse(en))[:, cols]
    X_fa = feature_matrix(segment(parse(fa)), parse(fa))[:, cols]
    np.testing.assert_allclose(X_en, X_fa)


def _columns(html: str, *names: str) -> np.ndarray:
    doc = parse(html)
    X = feature_matrix(segment(doc), doc)
    all_names = column_names()
    return X[:, [all_names.index(n) for n in names]]


def test_link_lists_spanning_the_site_have_a_wide_section_spread() -> None:
    def page(hrefs: list[str]) -> str:
        items = "".join(f"<li><a href='{h}'>headline {i}</a></li>" for i, h in enumerate(hrefs))
        return f"<html><head><link rel='canonical' href='https://n.example/sport/a-b'></head><body><ul>{items}</ul></body></html>"

    related = _columns(page(["/sport/x-1", "/sport/x-2", "/sport/x-3"]), "link_section_same", "link_section_spread")
    latest = _columns(page(["/sport/x-1", "/politics/x-2", "/arts/x-3"]), "link_section_same", "link_section_spread")
    assert related[:, 0].tolist() == [1.0, 1.0, 1.0] and related[:, 1].max() == 0.0
    assert latest[:, 1].min() == 1.0 and latest[:, 0].tolist() == [1.0, 0.0, 0.0]
    # Malformed targets (a bracketed non-IP host makes urlsplit raise) are read, not fatal.
    broken = _columns(page(["http://[ccpa-preferences]/a/b", "//x", "/sport/x-1"]), "link_section_same")
    assert broken[:, 0].tolist() == [0.0, 0.0, 1.0]


def test_story_overlap_is_shared_by_every_item_of_a_list() -> None:
    story = "hurricane florida coast evacuation " * 6
    html = (
        f"<html><body><p>{story}</p><ul><li><a href='/a'>hurricane florida update</a></li>"
        "<li><a href='/b'>election results tonight</a></li></ul></body></html>"
    )
    X = _columns(html, "story_overlap_block", "story_overlap_list")
    assert X[1, 0] == pytest.approx(2 / 3) and X[2, 0] == 0.0  # "update" is not in the story
    assert X[1, 1] == X[2, 1] == pytest.approx(1 / 3)
    assert X[0, 0] == 0.0  # the story does not overlap itself


def test_attr_kind_says_which_region_the_page_code_names_and_how_near() -> None:
    html = (
        b"<html><body><div class='comment-list'><p class='reply'>A reader writes here.</p>"
        b"<p>Another reader answers.</p></div><footer><p>All rights reserved.</p></footer>"
        b"<div class='story'><p>Plain story text.</p></div></body></html>"
    )
    doc = parse(html)
    blocks = segment(doc)
    X = feature_matrix(blocks, doc)
    names = column_names()

    def kind(block: int, region: str) -> float:
        return float(X[block, names.index(f"attr_kind_{region}")])

    def find(start: str) -> int:
        return next(i for i, b in enumerate(blocks) if b.text.startswith(start))

    own, near, foot, story = find("A reader"), find("Another"), find("All rights"), find("Plain")
    assert kind(own, "comments") == 1.0  # its own class says reply
    assert kind(near, "comments") == 0.5  # its parent's class says comment
    assert kind(foot, "comments") == 0.0 and kind(story, "comments") == 0.0
    assert kind(story, "footer") == 0.0
