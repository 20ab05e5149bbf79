"""Plain-text training data (renderings with carried-over labels) and the line model end to end."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from thresher.config import Config, TrainingConfig
from thresher.inference.model import default_model_dir
from thresher.regions import REGION_NAMES
from thresher.training.corpus import read_corpora
from thresher.training.dataset import PageData, build_pages
from thresher.training.text_data import VARIANTS, block_regions, render, text_pages


@pytest.fixture(scope="module")
def synthetic_pages(synthetic_corpus: Path) -> list[PageData]:
    data, failed = build_pages(read_corpora([synthetic_corpus]), n_jobs=1)
    assert not failed
    return data


def test_renderings_carry_block_labels_to_lines(synthetic_pages: list[PageData]) -> None:
    from thresher.inference.model import load_model

    page = synthetic_pages[0]
    regions = block_regions(page, load_model())
    assert len(regions) == len(page.block_texts)
    # Truth decides body or not; the kind of non-body blocks is never body.
    known = page.y >= 0
    assert known.any()
    assert ((regions == REGION_NAMES.index("body")) == (page.y == 1))[known].all()
    bare, bare_src = render(page, "bare")
    paras, paras_src = render(page, "paragraphs")
    joined, joined_src = render(page, "joined")
    assert "\n\n" not in joined
    assert bare_src == paras_src and "\n\n" in paras and "\n\n" not in bare
    assert len(joined_src) < len(bare_src) == sum(len(t.split("\n")) for t in page.block_texts)
    assert len(set(page.containers.tolist())) <= len(joined_src)
    with pytest.raises(ValueError):
        render(page, "pdf")


def test_text_pages_have_features_and_labels(synthetic_pages: list[PageData]) -> None:
    from thresher.inference.model import load_model

    rendered = text_pages(synthetic_pages[0], load_model())
    assert [t.variant for t in rendered] == list(VARIANTS)
    for t in rendered:
        assert t.X.shape[0] == len(t.lines) == len(t.y) == len(t.regions) == len(t.weight)
        body_lines = [line.text for line, y in zip(t.lines, t.y, strict=True) if y == 1]
        assert body_lines and all(line in t.text for line in body_lines)


@pytest.mark.slow
def test_train_text_model_and_extract(synthetic_corpus: Path, tmp_path: Path) -> None:
    from thresher import extract_text, load_model
    from thresher.training.text_train import train_text

    config = Config(training=TrainingConfig(text_num_boost_round=40, text_region_rounds=20, text_n_folds=3))
    result = train_text(
        [synthetic_corpus], output=tmp_path / "text", config=config, n_jobs=1, compare_html=False, log_to_mlflow=False
    )
    assert result.metrics["cv_text_bare_synthetic_main_f1"] > 0.8
    assert result.line_scores["paragraphs"]["synthetic"].f1 > 0.8
    model = load_model(tmp_path / "text", kind="text")
    assert model.kind == "text" and model.labels[0] == "body"
    # The metadata names the HTML model whose region labels the lines took, by its checksums.
    shipped = json.loads((default_model_dir() / "metadata.json").read_text(encoding="utf-8"))
    trained = json.loads((tmp_path / "text" / "metadata.json").read_text(encoding="utf-8"))
    checksums = {k: v for k, v in shipped.items() if k.endswith("model_sha256")}
    assert trained["training"]["labelled_by"]["html_model"] == checksums
    assert np.isfinite(list(result.metrics.values())).all()
    # Story paragraphs as long as the synthetic corpus's (two to five sentences); the toy
    # model learnt from 24 pages that a body line is long and ends a sentence.
    story = (
        "The storm reached the coast on Monday and cut power to thousands of homes, officials said. "
        "Crews worked through the night to clear roads and restore lines across the region. Schools "
        "stayed closed on Tuesday while engineers checked bridges, and the mayor asked people to stay "
        "at home until the roads were safe again."
    )
    second = story.replace("storm", "flood").replace("Monday", "Friday")
    out = extract_text(f"{story}\n\n{second}\n\nHome\nNews\nSport\nContact us", model=tmp_path / "text")
    assert [b.label == "body" for b in out.blocks] == [True, True, False, False, False, False]
    assert out.text.split("\n") == [story, second]


def test_line_region_scores_count_gold_lines_only() -> None:
    from thresher.features.lines import split_lines
    from thresher.training.text_data import TextPage
    from thresher.training.text_train import line_region_scores

    def page(key: str, gold: list[str | None]) -> TextPage:
        n = len(gold)
        return TextPage(
            key=key,
            dataset="d",
            group=key,
            variant="bare",
            lines=split_lines("\n".join(f"line {i}" for i in range(n))),
            X=np.zeros((n, 1)),
            y=np.zeros(n, dtype=np.int64),
            regions=np.zeros(n, dtype=np.int64),
            gold=np.array([REGION_NAMES.index(g) if g else -1 for g in gold], dtype=np.int64),
            weight=np.ones(n),
            main_text=None,
            with_snippets=[],
            without_snippets=[],
            trainable=True,
        )

    gold_page = page("a", ["body", "body", "latest", "latest", None])
    plain_page = page("b", [None, None])
    predicted = {
        ("a", "bare"): ["body", "latest", "latest", "suggested", "footer"],
        ("b", "bare"): ["body", "body"],
    }
    scores = line_region_scores([gold_page, plain_page], predicted)
    assert scores is not None and scores.pages == 1
    f1 = dict(zip(scores.labels, scores.f1, strict=True))
    # body: 1 of 2 found, no false alarm -> P 1, R 0.5; latest: 1 of 2 predicted right, 1 of 2 found.
    assert f1["body"] == pytest.approx(2 / 3)
    assert f1["latest"] == pytest.approx(0.5)
    assert f1["suggested"] == 0.0 and scores.confusion.sum() == 4  # the unlabelled line is not counted
    present = {name for name, here in zip(scores.labels, scores.present, strict=True) if here}
    assert present == {"body", "latest"}
    assert line_region_scores([plain_page], predicted) is None
