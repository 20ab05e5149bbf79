"""Evaluation metrics, checked against hand-computed values."""

from __future__ import annotations

import pytest

from thresher.training.metrics import main_text_score, page_precision_recall, shingles, snippet_score


def test_shingles_are_word_four_grams() -> None:
    assert shingles("a b c d e") == {("a", "b", "c", "d"), ("b", "c", "d", "e")}
    assert shingles("a b") == {("a", "b")}
    assert shingles("") == set()


def test_page_precision_recall() -> None:
    truth = "one two three four five six"  # 3 shingles
    predicted = "one two three four five six seven"  # 4 shingles, 3 right
    assert page_precision_recall(predicted, truth) == pytest.approx((0.75, 1.0))
    assert page_precision_recall("", truth) == (0.0, 0.0)


def test_main_text_f1_is_harmonic_mean_of_mean_precision_and_recall() -> None:
    score = main_text_score([("a b c d e", "a b c d e"), ("x y z w", "a b c d e")])
    assert score.precision == pytest.approx(0.5) and score.recall == pytest.approx(0.5)
    assert score.f1 == pytest.approx(0.5)


def test_snippet_score_counts_found_and_leaked_snippets() -> None:
    score = snippet_score([("The story text. Share this", ["story  text"], ["Share this", "Menu"])])
    assert score.precision == pytest.approx(0.5) and score.recall == pytest.approx(1.0)
