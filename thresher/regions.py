"""The region labels a block can take, each with what it means and two examples.

``body`` is the story; every other label names a kind of boilerplate, so that users can drop
link farms, keep or drop comments on purpose, find the comment form, and measure how much of
a site is link farm.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Region:
    name: str
    meaning: str
    examples: tuple[str, str]


REGIONS: tuple[Region, ...] = (
    Region(
        "body",
        "the story text, with in-story headings, lists, quotes and captions",
        ("a paragraph of the article", "a subheading or bullet list inside the article"),
    ),
    Region("title", "the page's headline", ("<h1> of a news story", "the product name heading on a shop page")),
    Region(
        "metadata",
        "byline, date, source line, tags, reading time",
        ("'Source: Rudaw' under a story", "'Tags: Iraq, coalition' links"),
    ),
    Region(
        "suggested",
        "suggested / related / recommended / 'read also' lists tied to this story",
        ("a 'Related news' list of three headlines", "an inline 'Read also: ...' link"),
    ),
    Region(
        "latest",
        "latest / most-read / trending / other-section headline lists",
        ("a 'Latest news' sidebar of 30 headlines", "a 'Most read' top-10 box"),
    ),
    Region("comments", "user comments", ("a reader's comment with name and time", "a reply in a comment thread")),
    Region(
        "comment_form",
        "comment, newsletter and contact forms with their prompts",
        ("'Enter a valid e-mail address' under a comment box", "a newsletter sign-up prompt and button"),
    ),
    Region("navigation", "menus, breadcrumbs, pagination", ("the top section menu", "'Home » World » Asia'")),
    Region("footer", "legal, copyright and contact lines", ("'© 2025 Example News'", "'About us · Contact · Privacy'")),
    Region("ads_share", "ads, share and follow buttons", ("'Share on Telegram / X / WhatsApp'", "'Advertisement'")),
    Region("other", "any other boilerplate", ("a cookie banner", "a search box label")),
)
REGION_NAMES: tuple[str, ...] = tuple(r.name for r in REGIONS)
NON_BODY_REGIONS: tuple[str, ...] = tuple(n for n in REGION_NAMES if n != "body")
LINK_FARM_REGIONS = frozenset({"suggested", "latest", "navigation"})

REGION_GROUPS: dict[str, frozenset[str]] = {"link_list": frozenset({"suggested", "latest"})}
"""Parent labels, each standing for labels that the model often confuses.

Whether a headline list is tied to this story (``suggested``) or site-wide (``latest``) is the
model's hardest call on a page (people make it reliably: F1 0.967 / 0.958 between two
labellers); ``link_list`` names both, so ``keep`` can use it and evaluation scores it as one
label next to its parts.
"""


def expand_labels(names: Iterable[str]) -> set[str]:
    """Region names with every parent label (``link_list``) replaced by its members.

    Raises ValueError for a name that is neither a region label nor a parent label.
    """
    names = set(names)
    known = (*REGION_NAMES, *REGION_GROUPS)
    unknown = names - set(known)
    if unknown:
        raise ValueError(f"unknown labels {sorted(unknown)}; labels are {', '.join(known)}")
    out: set[str] = set()
    for name in names:
        out |= REGION_GROUPS.get(name, frozenset({name}))
    return out
