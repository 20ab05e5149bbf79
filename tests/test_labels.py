"""Stage 4: deriving block labels from corpus truth."""

from __future__ import annotations

from thresher.features.blocks import segment
from thresher.features.document import parse
from thresher.training.labels import BODY, BOILERPLATE, UNLABELLED, align_main_text, label_snippets

PAGE = """<html><body><nav><ul><li><a href="/">Home</a></li><li><a href="/w">World news today</a></li></ul></nav>
<h1>The river rose</h1>
<p>The river rose two metres overnight and flooded the lower town.</p>
<p>Officials said the water would fall by Friday, and schools stayed closed.</p>
<ul><li><a href="/a">The river rose in 1998 too</a></li><li><a href="/b">Schools stayed closed elsewhere</a></li></ul>
<footer>Copyright the town paper</footer></body></html>"""
TRUTH = (
    "The river rose two metres overnight and flooded the lower town.\n\n"
    "Officials said the water would fall by Friday, and schools stayed closed."
)


def test_alignment_labels_story_blocks_as_body_and_lookalikes_as_boilerplate() -> None:
    blocks = segment(parse(PAGE))
    labels = align_main_text(blocks, TRUTH)
    got = {b.text: int(y) for b, y in zip(blocks, labels.y, strict=True)}
    assert got["The river rose two metres overnight and flooded the lower town."] == BODY
    assert got["Officials said the water would fall by Friday, and schools stayed closed."] == BODY
    # Related headlines share words with the story, but not in order: not body.
    assert got["The river rose in 1998 too"] == BOILERPLATE
    assert got["Schools stayed closed elsewhere"] == BOILERPLATE
    assert got["Home"] == got["Copyright the town paper"] == BOILERPLATE


def test_prefix_truth_leaves_the_rest_unlabelled() -> None:
    blocks = segment(parse(PAGE))
    labels = align_main_text(blocks, TRUTH.split("\n\n")[0], prefix_only=True)
    first_body = list(labels.y).index(BODY)
    assert (labels.y[first_body + 1 :] == UNLABELLED).all()
    assert (labels.weight[first_body + 1 :] == 0).all()


def test_snippets_label_only_the_blocks_they_touch() -> None:
    blocks = segment(parse(PAGE))
    labels = label_snippets(blocks, ["flooded the  lower town. Officials said"], ["Copyright the town"])
    got = {b.text: int(y) for b, y in zip(blocks, labels.y, strict=True)}
    # The with-snippet spans two paragraphs: both are body.
    assert got["The river rose two metres overnight and flooded the lower town."] == BODY
    assert got["Officials said the water would fall by Friday, and schools stayed closed."] == BODY
    assert got["Copyright the town paper"] == BOILERPLATE
    assert got["Home"] == UNLABELLED
    assert labels.weight[list(got).index("Home")] == 0
