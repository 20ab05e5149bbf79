"""Region labels: weak rules, gold files, the labelling aid, and the region API."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pytest

from tests.synthetic import toy_page
from thresher.config import DEFAULT_CONFIG
from thresher.features.blocks import segment
from thresher.features.document import parse
from thresher.inference.extract import ExtractedBlock, Extraction
from thresher.inference.model import expected_columns
from thresher.regions import NON_BODY_REGIONS, REGION_NAMES, REGIONS
from thresher.training.dataset import PageData, stack, stack_regions
from thresher.training.estimator import BlockClassifier, RegionClassifier
from thresher.training.evaluate import RegionScores
from thresher.training.gold import GoldPage, gold_block_labels, gold_digest, read_gold_file
from thresher.training.weak_labels import weak_regions
from thresher.vocabulary import load_vocabulary


def test_every_region_is_documented_with_two_examples() -> None:
    assert REGION_NAMES[0] == "body" and len(set(REGION_NAMES)) == len(REGION_NAMES) == 11
    for region in REGIONS:
        assert region.meaning and len(region.examples) == 2 and all(region.examples)


def test_vocabulary_tells_suggested_from_latest_in_many_languages() -> None:
    vocab = load_vocabulary()
    for heading in (
        "Related stories",
        "Lesen Sie auch",
        "À lire aussi",
        "Читайте также",
        "خبرهای مرتبط",
        "اخبار پیشنهادی",
        "اقرأ أيضا",
        "相关新闻",
        "Ähnliche Beiträge",
        "Sur le même thème",
    ):
        assert vocab.heading_kind(heading) == "suggested", heading
    for heading in (
        "Latest news",
        "Meistgelesen",
        "Les plus lus",
        "Последние новости",
        "آخرین اخبار",
        "الأكثر قراءة",
        "最新消息",
        # promotions of the rest of the site, not of this story (gold: 451 latest blocks, 0 suggested)
        "Don't miss",
        "Weitere Artikel",
        "Dans la même rubrique",
        "Blog archive",
    ):
        assert vocab.heading_kind(heading) == "latest", heading
    assert vocab.heading_kind("The weather in Paris") is None


def test_phrase_pattern_finds_exactly_what_a_substring_search_finds() -> None:
    from thresher.vocabulary import any_of

    vocab = load_vocabulary()
    phrases = vocab.suggested + vocab.latest
    pattern = any_of(phrases)
    rng = np.random.default_rng(0)
    # every phrase inside other text, cut phrases, regex metacharacters, other scripts
    texts = [f"x {p} y" for p in phrases] + [p[: len(p) // 2] for p in phrases]
    texts += ["a.b*c (d) [e] +?", "the weather in paris", "", "آب و هوا", "天气"]
    texts += ["".join(rng.choice(list("abcdefgh .-آخر")) for _ in range(30)) for _ in range(200)]
    for text in texts:
        assert (pattern.search(text) is not None) == any(p in text for p in phrases), text
    assert any_of(()).search("anything") is None  # no phrases: nothing matches
    literal = any_of(("a.b", "c+", "(d)"))  # phrases are text, not patterns
    assert literal.search("axb ccc d") is None and literal.search("see (d) here") is not None


def test_weak_rules_on_the_persian_page(persian_html: bytes, persian_expected: str) -> None:
    doc = parse(persian_html)
    blocks = segment(doc)
    story = set(persian_expected.split("\n"))
    is_body = np.array([b.text in story for b in blocks])
    labels, rules = weak_regions(blocks, is_body, title_index=None)
    by_xpath = dict(zip((b.xpath for b in blocks), labels, strict=True))
    related = [lab for xp, lab in by_xpath.items() if "/section[1]/ul[1]/li" in xp]
    suggested = [lab for xp, lab in by_xpath.items() if "/section[2]/ul[1]/li" in xp]
    latest = [lab for xp, lab in by_xpath.items() if "/aside[1]/ul[1]/li" in xp]
    assert related == ["suggested"] * 3
    assert suggested == ["suggested"] * 10
    assert latest == ["latest"] * 30
    form = [lab for b, lab in zip(blocks, labels, strict=True) if "/form[1]" in b.xpath]
    assert form and set(form) == {"comment_form"}
    menu = [lab for b, lab in zip(blocks, labels, strict=True) if "/nav[1]" in b.xpath]
    assert menu and set(menu) == {"navigation"}
    source = next(lab for b, lab in zip(blocks, labels, strict=True) if b.text.startswith("منبع"))
    assert source == "metadata"
    assert all(lab == "body" for lab, body in zip(labels, is_body, strict=True) if body)
    assert len(rules) == len(blocks)


def test_gold_selectors_most_specific_wins(tmp_path: Path) -> None:
    html = "<html><body><div><p>story one.</p><ul><li>a</li><li>b</li></ul></div><footer>c</footer></body></html>"
    blocks = segment(parse(html))
    gold = GoldPage("d", "p1", (("/html/body[1]/div[1]", "body"), ("/html/body[1]/div[1]/ul[1]", "suggested")))
    assert gold_block_labels(blocks, gold) == ["body", "suggested", "suggested", None]
    # General XPath selectors are resolved on the page.
    doc = parse(html)
    gold2 = GoldPage("d", "p1", (("//footer", "footer"),))
    assert gold_block_labels(segment(doc), gold2, doc.root)[-1] == "footer"
    path = tmp_path / "d" / "p1.json"
    path.parent.mkdir()
    path.write_text(gold.to_json(), encoding="utf-8")
    assert read_gold_file(path) == gold


def test_gold_digest_follows_the_labels_not_the_labeller() -> None:
    page = GoldPage("d", "p1", (("/html/body[1]/div[1]", "body"), ("/html/body[1]/ul[1]", "suggested")))
    digest = gold_digest({page.key: page})
    assert len(digest) == 64
    assert gold_digest({page.key: replace(page, labeller="someone else")}) == digest
    relabelled = replace(page, entries=(("/html/body[1]/div[1]", "body"), ("/html/body[1]/ul[1]", "latest")))
    assert gold_digest({page.key: relabelled}) != digest
    other = GoldPage("d", "p2", ())
    assert gold_digest({page.key: page, other.key: other}) not in (digest, gold_digest({other.key: other}))


def test_gold_files_in_data_are_valid() -> None:
    from thresher.training.gold import GOLD_DIR, load_gold

    gold = load_gold(GOLD_DIR)
    second = load_gold(GOLD_DIR.parent / "gold_second")
    for key, page in [*gold.items(), *second.items()]:
        assert key == f"{page.dataset}/{page.id}" and page.entries
        assert all(label in REGION_NAMES for _, label in page.entries)
    # every second labelling is of a gold page, so the agreement covers all of it
    assert second and set(second) <= set(gold)


def _block(text: str, label: str, xpath: str) -> ExtractedBlock:
    return ExtractedBlock(text=text, label=label, proba=0.9, xpath=xpath)


def test_regions_merge_consecutive_blocks_and_measure_link_farms() -> None:
    blocks = [
        _block("Home", "navigation", "/html/body[1]/nav[1]/a[1]"),
        _block("World", "navigation", "/html/body[1]/nav[1]/a[2]"),
        _block("Story text here.", "body", "/html/body[1]/div[1]/p[1]"),
        _block("More story.", "body", "/html/body[1]/div[1]/p[2]"),
        _block("Related one", "suggested", "/html/body[1]/ul[1]/li[1]"),
    ]
    result = Extraction(text="", title="", blocks=blocks)
    regions = result.regions
    assert [r.label for r in regions] == ["navigation", "body", "suggested"]
    assert regions[1].text == "Story text here.\nMore story." and regions[1].xpath == "/html/body[1]/div[1]"
    total = sum(len(b.text) for b in blocks)
    assert result.link_farm_share == pytest.approx((4 + 5 + 11) / total)


def test_label_tsv_round_trip(tmp_path: Path) -> None:
    from thresher.training.labelling import tsv_to_gold

    tsv = tmp_path / "x.tsv"
    tsv.write_text(
        "# dataset=demo\tid=page-1\tlabels=body\n"
        "index\tlabel\txpath\ttag\ttext\n"
        "0\tnavigation\t/html/body[1]/nav[1]\tnav\tHome\n"
        "1\tbody\t/html/body[1]/p[1]\tp\tStory\n",
        encoding="utf-8",
    )
    out = tsv_to_gold(tsv, tmp_path / "gold", labeller="test")
    gold = read_gold_file(out)
    assert gold.key == "demo/page-1" and gold.entries == (
        ("/html/body[1]/nav[1]", "navigation"),
        ("/html/body[1]/p[1]", "body"),
    )
    bad = tmp_path / "bad.tsv"
    bad.write_text(tsv.read_text(encoding="utf-8").replace("navigation", "menu"), encoding="utf-8")
    from thresher.errors import CorpusError

    with pytest.raises(CorpusError, match="unknown label"):
        tsv_to_gold(bad, tmp_path / "gold")


def _two_labellings(tmp_path: Path, main_first: str, main_second: str) -> tuple[Path, Path]:
    """Two gold folders labelling the synthetic page s0-p00 alike but for its <main>."""
    folders = tmp_path / "a", tmp_path / "b"
    for folder, main_label in zip(folders, (main_first, main_second), strict=True):
        entries = (("/html/body[1]/header[1]", "navigation"), ("/html/body[1]/main[1]", main_label))
        path = folder / "synthetic" / "s0-p00.json"
        path.parent.mkdir(parents=True)
        path.write_text(GoldPage("synthetic", "s0-p00", entries).to_json(), encoding="utf-8")
    return folders


def test_gold_agreement_kappa(synthetic_corpus: Path, tmp_path: Path) -> None:
    from thresher.training.agreement import gold_agreement

    first, second = _two_labellings(tmp_path, "body", "other")
    same = gold_agreement(first, first, synthetic_corpus.parent)
    assert (same.kappa, same.raw, same.pages) == (1.0, 1.0, 1) and same.blocks > 10
    assert same.label_f1 == {"navigation": 1.0, "body": 1.0} and same.group_kappa["link_list"] == 1.0
    other = gold_agreement(first, second, synthetic_corpus.parent)
    assert 0.0 <= other.raw < 0.5 and other.kappa < 0.5
    assert other.label_f1["navigation"] == 1.0 and other.label_f1["body"] == 0.0 == other.label_f1["other"]
    # Restricted to chosen pages: the page itself, or none of the shared ones.
    assert gold_agreement(first, second, synthetic_corpus.parent, {"synthetic/s0-p00"}) == other
    assert gold_agreement(first, second, synthetic_corpus.parent, {"synthetic/s0-p01"}).pages == 0


def test_link_list_kappa_forgives_suggested_latest_swaps(synthetic_corpus: Path, tmp_path: Path) -> None:
    from thresher.training.agreement import gold_agreement

    first, second = _two_labellings(tmp_path, "suggested", "latest")
    agreement = gold_agreement(first, second, synthetic_corpus.parent)
    assert agreement.kappa < 0.5 and agreement.group_kappa["link_list"] == 1.0
    assert agreement.label_f1["suggested"] == 0.0 == agreement.label_f1["latest"]


def test_class_balance_lifts_rare_region_labels() -> None:
    from thresher.training.dataset import class_balance

    y = np.array([0] * 90 + [1] * 10)
    w = np.ones(100)
    factors = class_balance(y, w, 0.5)
    balanced = np.bincount(y, weights=w * factors[y])
    # the rare class gains weight against the common one, but less than full balance
    assert balanced[1] / balanced[0] > 10 / 90
    assert balanced[1] < balanced[0]
    np.testing.assert_allclose(balanced[1] / balanced[0], np.sqrt(10 / 90))
    full = class_balance(y, w, 1.0)
    np.testing.assert_allclose(np.bincount(y, weights=w * full[y])[:2], [50.0, 50.0])
    assert np.all(class_balance(y, w, 0.0) == 1.0)
    assert full[5] == 1.0  # an absent class keeps weight 1


def _page(key: str, weak: list[str], rules: list[str], gold: list[str] | None = None, dataset: str = "d") -> PageData:
    index = {name: i for i, name in enumerate(REGION_NAMES)}
    return toy_page(
        key,
        np.arange(len(weak), dtype=np.float32)[:, None],
        np.array([index[w] for w in weak]),
        rules,
        np.array([index[g] if g else -1 for g in gold]) if gold else None,
        dataset=dataset,
    )


def test_weak_rules_fill_in_only_where_gold_is_missing() -> None:
    weak = _page("weak", ["navigation", "comments", "body"], ["navigation", "comments", "body"])
    gold = _page("gold", ["other", "other"], ["other", "other"], gold=["suggested", "latest"])
    config = DEFAULT_CONFIG.training
    # With gold pages: gold labels plus the weak comment rule only.
    _, y, _ = stack_regions([weak, gold], config)
    assert sorted(NON_BODY_REGIONS[i] for i in y) == ["comments", "latest", "suggested"]
    # Without any gold (a user's own corpus) the wider set of precise rules teaches the model.
    _, y, _ = stack_regions([weak], config)
    assert sorted(NON_BODY_REGIONS[i] for i in y) == ["comments", "navigation"]


def test_body_model_learns_hand_labels_where_a_page_has_them() -> None:
    # The derived labels say the first two blocks are body; a person said suggested / body.
    page = _page("gold", ["body", "body", "other"], ["body", "body", "other"], gold=["suggested", "body", ""])
    config = DEFAULT_CONFIG.training
    _, y, w = stack([page], config)
    assert y.tolist() == [0, 1, 0]  # the unlabelled third block keeps its derived label
    assert w[0] == pytest.approx(w[2] * config.gold_body_weight)
    _, y, _ = stack([page], replace(config, gold_body_weight=0.0))
    assert y.tolist() == [1, 1, 0]


def test_link_list_scores_suggested_and_latest_as_one_label() -> None:
    labels = ["body", "suggested", "latest", "navigation"]
    # rows gold, columns predicted: half the suggested blocks come out latest.
    confusion = np.array([[10, 0, 0, 0], [0, 5, 5, 0], [0, 2, 8, 0], [1, 0, 0, 3]])
    scores = RegionScores(labels, [0.0] * 4, [0.0] * 4, [0.0] * 4, [10, 10, 10, 4], confusion, pages=1)
    merged = scores.merged("link_list", {"suggested", "latest"})
    assert merged.labels == ["body", "navigation", "link_list"]
    assert merged.support == [10, 4, 20]
    assert merged.f1[2] == pytest.approx(1.0)
    assert merged.recall[1] == pytest.approx(0.75) and merged.precision[0] == pytest.approx(10 / 11)
    metrics = scores.metrics("cv_gold_")
    assert metrics["cv_gold_region_link_list_f1"] == pytest.approx(1.0)
    assert metrics["cv_gold_region_macro_f1_with_link_list"] == pytest.approx(merged.macro_f1)


def test_region_scores_are_logged_per_dataset() -> None:
    from types import SimpleNamespace

    from thresher.training.train import cv_metrics

    labels = list(REGION_NAMES)
    right = _page("a/1", ["body", "other"], ["body", "other"], gold=["body", "latest"], dataset="a")
    wrong = _page("b/1", ["body", "other"], ["body", "other"], gold=["body", "suggested"], dataset="b")

    def proba(*names: str) -> np.ndarray:
        out = np.zeros((len(names), len(labels)))
        out[np.arange(len(names)), [labels.index(n) for n in names]] = 1.0
        return out

    predicted = {"a/1": proba("body", "latest"), "b/1": proba("body", "latest")}
    model = SimpleNamespace(labels=labels)
    metrics, _, overall = cv_metrics([right, wrong], predicted, {"a/1": "x", "b/1": "x"}, model, DEFAULT_CONFIG)
    assert overall is not None and overall.pages == 2
    assert metrics["cv_gold_a_region_macro_f1"] == pytest.approx(1.0)  # body and latest both right
    assert metrics["cv_gold_b_region_macro_f1"] == pytest.approx(0.5)  # body right, suggested missed
    assert metrics["cv_gold_a_pages"] == 1.0 and metrics["cv_gold_b_region_body_f1"] == pytest.approx(1.0)


def test_a_page_has_at_most_one_title() -> None:
    from thresher.inference.postprocess import assign_labels

    labels = ["body", "title", "metadata", "navigation"]
    config = DEFAULT_CONFIG.inference
    proba = np.array(
        [
            [0.05, 0.50, 0.40, 0.05],  # the headline
            [0.05, 0.45, 0.40, 0.10],  # a subtitle the block argmax also calls title
            [0.60, 0.30, 0.05, 0.05],  # body by a small margin
            [0.05, 0.05, 0.10, 0.80],
        ]
    )
    assert assign_labels(proba, labels, config) == ["title", "metadata", "body", "navigation"]
    # The most title-like block is the title even when the page's argmax gave it to metadata.
    shy = proba.copy()
    shy[0] = [0.05, 0.35, 0.55, 0.05]
    shy[1] = [0.05, 0.05, 0.80, 0.10]
    assert assign_labels(shy, labels, config)[:2] == ["title", "metadata"]
    # A body block is never taken, so .text stays the body model's own.
    lead = proba.copy()
    lead[2] = [0.55, 0.44, 0.005, 0.005]
    assert assign_labels(lead, labels, config)[2] == "body"
    # No block likely enough: no title at all.
    faint = shy.copy()
    faint[:, 1] = 0.05
    assert "title" not in assign_labels(faint, labels, config)


def test_a_lone_heading_takes_the_region_it_heads() -> None:
    from thresher.inference.postprocess import assign_labels

    labels = ["body", "title", "latest", "comment_form", "navigation"]
    config = DEFAULT_CONFIG.inference
    proba = np.array(
        [
            [0.05, 0.05, 0.10, 0.05, 0.75],  # the last menu link
            [0.05, 0.05, 0.60, 0.25, 0.05],  # "Leave a comment", read as a list heading
            [0.05, 0.05, 0.10, 0.75, 0.05],  # the form's name field
            [0.05, 0.05, 0.05, 0.80, 0.05],  # its submit button
        ]
    )
    heading = np.array([False, True, False, False])
    assert assign_labels(proba, labels, config)[1] == "latest"  # without the heading mask
    assert assign_labels(proba, labels, config, headings=heading)[1] == "comment_form"
    # A heading that continues the region above it stays there (a list's sub-heading).
    inside = proba.copy()
    inside[0] = [0.05, 0.05, 0.80, 0.05, 0.05]
    assert assign_labels(inside, labels, config, headings=heading)[1] == "latest"
    # Body neither gives nor takes: a story subheading before a story paragraph stays body.
    story = proba.copy()
    story[1:3] = [0.90, 0.02, 0.04, 0.02, 0.02]
    assert assign_labels(story, labels, config, headings=heading)[1:3] == ["body", "body"]
    story[1] = [0.05, 0.05, 0.60, 0.25, 0.05]  # a non-body heading before body keeps its label
    assert assign_labels(story, labels, config, headings=heading)[1:3] == ["latest", "body"]


def test_page_weighted_region_scores_count_each_page_once() -> None:
    from thresher.training.evaluate import region_scores

    long_page = _page("long", ["other"] * 9, ["other"] * 9, gold=["navigation"] * 9)
    short_page = _page("short", ["other"], ["other"], gold=["body"])
    labels = ["body", "navigation"]
    proba = {"long": np.tile([0.05, 0.95], (9, 1)), "short": np.array([[0.05, 0.95]])}
    pooled = region_scores([long_page, short_page], proba, labels, DEFAULT_CONFIG.inference)
    per_page = region_scores([long_page, short_page], proba, labels, DEFAULT_CONFIG.inference, "pages")
    assert pooled is not None and per_page is not None
    nav = REGION_NAMES.index("navigation")
    assert pooled.precision[nav] == pytest.approx(0.9)  # 9 of the 10 navigation calls are right
    assert per_page.precision[nav] == pytest.approx(0.5)  # one page right, one page wrong
    # each page weighs as much as the mean page (5 blocks here)
    assert per_page.support[REGION_NAMES.index("body")] == 5 and per_page.pages == 2


def test_token_weighted_region_scores_count_each_token_once() -> None:
    from dataclasses import replace

    from thresher.training.evaluate import region_scores

    page = _page("p", ["other"] * 3, ["other"] * 3, gold=["body", "body", "navigation"])
    page = replace(page, block_texts=[" ".join(["word"] * 40), "Share", "Home"])
    labels = ["body", "navigation"]
    # the 40-word paragraph is found; the one-word body block is read as navigation
    proba = {"p": np.array([[0.9, 0.1], [0.1, 0.9], [0.1, 0.9]])}
    blocks = region_scores([page], proba, labels, DEFAULT_CONFIG.inference)
    by_tokens = region_scores([page], proba, labels, DEFAULT_CONFIG.inference, "tokens")
    assert blocks is not None and by_tokens is not None
    body, nav = REGION_NAMES.index("body"), REGION_NAMES.index("navigation")
    assert blocks.recall[body] == pytest.approx(0.5)  # one block of two
    assert by_tokens.recall[body] == pytest.approx(40 / 41)  # 40 tokens of 41
    assert by_tokens.precision[nav] == pytest.approx(0.5) and by_tokens.support[body] == 41
    with pytest.raises(ValueError, match="weighting"):
        region_scores([page], proba, labels, DEFAULT_CONFIG.inference, "words")


def test_region_models_grow_as_many_leaves_as_configured() -> None:
    rng = np.random.default_rng(0)
    width = len(expected_columns("html", DEFAULT_CONFIG.features))
    X = rng.random((3000, width))
    y = (X[:, :4] * 3).astype(int).sum(axis=1) % len(NON_BODY_REGIONS)  # needs many splits
    training = replace(DEFAULT_CONFIG.training, region_rounds=3, num_boost_round=3, region_num_leaves=50)
    config = replace(DEFAULT_CONFIG, training=training)

    def most_leaves(booster: lgb.Booster) -> int:
        return max(int(t["num_leaves"]) for t in booster.dump_model()["tree_info"])

    regions = RegionClassifier(config).fit(X, y)
    assert 31 < most_leaves(regions.booster_) <= 50
    body = BlockClassifier(config).fit(X, (y > 4).astype(int))
    assert most_leaves(body.booster_) <= training.num_leaves == 31


def test_a_page_without_a_confident_body_block_keeps_its_most_body_like_blocks() -> None:
    from thresher.inference.postprocess import assign_labels

    labels = ["body", "navigation", "comments"]
    config = DEFAULT_CONFIG.inference
    proba = np.array(
        [
            [0.05, 0.90, 0.05],  # the menu
            [0.40, 0.10, 0.50],  # a forum post the model doubts
            [0.30, 0.10, 0.60],  # another, less body-like
            [0.15, 0.05, 0.80],  # well under half the best: stays a comment
        ]
    )
    assert assign_labels(proba, labels, config) == ["navigation", "body", "body", "comments"]
    # With the rule off, the page is empty.
    off = replace(config, empty_body_ratio=0.0)
    assert "body" not in assign_labels(proba, labels, off)
    # A page the model is sure has no story stays empty: no block reaches the floor.
    sure = proba.copy()
    sure[:, 0] = [0.02, 0.08, 0.06, 0.01]
    assert "body" not in assign_labels(sure, labels, config)
    # Where one block reaches the threshold, the relative rule does not apply.
    confident = proba.copy()
    confident[1, 0] = 0.55
    assert assign_labels(confident, labels, config)[1:3] == ["body", "comments"]
