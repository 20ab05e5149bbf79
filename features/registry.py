"""Stage 3: blocks → feature matrix.  Every feature is declared here, once.

A feature is a function of the page's :class:`BlockTable` that returns one value per block
(or ``width`` values), registered with :func:`feature` under a name and a one-line meaning.
Each declaration carries a *probe*: two small HTML pages; the block containing the word
``TARGET`` must score higher on the feature in the first page than in the second.
``tests/test_features.py`` runs every probe, so adding a feature touches only this file.

Nothing here depends on a language: tokens come from :mod:`thresher.features.tokens`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from zlib import crc32

import numpy as np

from thresher.config import DEFAULT_CONFIG, FeatureConfig
from thresher.features.blocks import FLAG_BITS, HEADINGS, Block
from thresher.features.document import Document
from thresher.features.tokens import SENTENCE_END, tokens
from thresher.vocabulary import load_vocabulary

FloatArray = np.ndarray


@dataclass
class BlockTable:
    """Column view of one page's blocks (what feature functions read)."""

    blocks: Sequence[Block]
    title: str
    config: FeatureConfig
    url: str | None = None

    def count_matches(self, pattern: re.Pattern[str]) -> FloatArray:
        """Occurrences of a one-character pattern in each block (counted in C by subn)."""
        return np.fromiter((pattern.subn("", b.text)[1] for b in self.blocks), dtype=np.float64, count=self.n)

    def column(self, name: str) -> FloatArray:
        return np.fromiter((getattr(b, name) for b in self.blocks), dtype=np.float64, count=len(self.blocks))

    @cached_property
    def n(self) -> int:
        return len(self.blocks)

    @cached_property
    def n_tokens(self) -> FloatArray:
        return self.column("n_tokens")

    @cached_property
    def n_link_tokens(self) -> FloatArray:
        return self.column("n_link_tokens")

    @cached_property
    def n_chars(self) -> FloatArray:
        return self.column("n_chars")

    @cached_property
    def link_density(self) -> FloatArray:
        return self.n_link_tokens / np.maximum(self.n_tokens, 1)

    @cached_property
    def containers(self) -> np.ndarray:
        return np.fromiter((b.container for b in self.blocks), dtype=np.int64, count=self.n)

    @cached_property
    def container_index(self) -> np.ndarray:
        """Containers renumbered 0..k-1, for bincount."""
        return np.unique(self.containers, return_inverse=True)[1]

    def per_container(self, values: FloatArray) -> FloatArray:
        """Sum of ``values`` over each block's container, broadcast back to the blocks."""
        return np.bincount(self.container_index, weights=values)[self.container_index]

    @cached_property
    def container_sizes(self) -> FloatArray:
        """Blocks sharing each block's container (the block included)."""
        return self.per_container(np.ones(self.n))

    def list_mean(self, values: FloatArray) -> FloatArray:
        """Mean of ``values`` over each block's container (its list), broadcast back to the blocks."""
        return self.per_container(values) / self.container_sizes

    @cached_property
    def short_link_item(self) -> FloatArray:
        return ((self.n_tokens <= self.config.short_link_tokens) & (self.link_density >= 0.6)).astype(float)

    @cached_property
    def ancestor_paths(self) -> list[tuple[str, ...]]:
        """Each block's ancestor element paths, outermost first, ending with its own element."""
        return [b.ancestors for b in self.blocks]

    @cached_property
    def subtree_prose(self) -> dict[str, float]:
        """Non-link tokens of all blocks under each element path (the text mass of subtrees)."""
        mass: dict[str, float] = {}
        prose = self.n_tokens - self.n_link_tokens
        for paths, value in zip(self.ancestor_paths, prose, strict=True):
            for path in paths:
                mass[path] = mass.get(path, 0.0) + value
        return mass

    @cached_property
    def main_container(self) -> str:
        """Deepest element holding at least half of the page's non-link tokens."""
        total = float((self.n_tokens - self.n_link_tokens).sum())
        best = ""
        for path, value in self.subtree_prose.items():
            if value >= 0.5 * total and path.count("/") > best.count("/"):
                best = path
        return best

    @cached_property
    def template_ids(self) -> np.ndarray:
        return template_ids(self.blocks)

    @cached_property
    def template_containers(self) -> np.ndarray:
        """For each block, how many parent elements hold a block of its template (cards: many)."""
        pairs = np.unique(np.column_stack([self.template_ids, self.containers]), axis=0)
        per_template = np.bincount(pairs[:, 0], minlength=int(self.template_ids.max()) + 1)
        return per_template[self.template_ids]

    @cached_property
    def section_headings(self) -> list[str]:
        """Text of the nearest heading above each block whose template sits in one parent only
        (a list's heading, not a card's title); the block's own text when it is such a heading."""
        out: list[str] = []
        text = ""
        for b, repeats in zip(self.blocks, self.template_containers.tolist(), strict=True):
            if b.tag in HEADINGS and repeats <= 1:
                text = b.text
            out.append(text)
        return out

    @cached_property
    def in_main(self) -> np.ndarray:
        """True for blocks inside the main container."""
        main = self.main_container
        return np.fromiter((bool(main) and main in paths for paths in self.ancestor_paths), bool, self.n)

    @cached_property
    def title_tokens(self) -> set[str]:
        return set(tokens(self.title))

    @cached_property
    def block_tokens(self) -> list[list[str]]:
        """Each block's tokens, in order (tokenised once for every feature that reads words)."""
        return [tokens(b.text) for b in self.blocks]

    @cached_property
    def block_token_sets(self) -> list[set[str]]:
        return [set(words) for words in self.block_tokens]

    @cached_property
    def host(self) -> str:
        """The page's host without ``www.`` ("" when the URL is unknown)."""
        return _host(self.url or "")

    def link_share(self, test: Callable[[str], bool]) -> FloatArray:
        """Share of each block's links whose target passes ``test`` (0 without links)."""
        return np.fromiter(
            (sum(map(test, b.hrefs)) / len(b.hrefs) if b.hrefs else 0.0 for b in self.blocks), float, self.n
        )


_INDEX = re.compile(r"\[\d+\]")


def template_ids(blocks: Sequence[Block]) -> np.ndarray:
    """Blocks printed by the same template line share an id: same index-free path and classes."""
    ids: dict[tuple[str, tuple[str, ...]], int] = {}
    return np.fromiter(
        (ids.setdefault((_INDEX.sub("", b.xpath), b.own_attr), len(ids)) for b in blocks), np.int64, len(blocks)
    )


# A story URL: a date in the path, a long number (story id) or a long hyphenated slug.
_STORY_URL = re.compile(r"/(?:19|20)\d\d[/-]\d\d?(?:[/-]|$)|\d{5,}|[^/?#]*-[^/?#]*-[^/?#]*-[^/?#]*")
_HOST = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//(?:[^@/?#]*@)?(?:www\d?\.)?([^/:?#]+)", re.IGNORECASE)


def _host(url: str) -> str:
    match = _HOST.match(url.strip())
    return match.group(1).lower() if match else ""


_SENTENCE_END_RE = re.compile("[" + re.escape("".join(sorted(SENTENCE_END))) + "]")
_COMMA_RE = re.compile("[,،、，;؛]")
_DIGIT_RE = re.compile(r"\d")
Compute = Callable[[BlockTable], FloatArray]


@dataclass(frozen=True)
class Feature:
    name: str
    meaning: str
    compute: Compute
    width: int | str
    """Columns the feature fills: a number, or the name of the ``FeatureConfig`` field that sets it."""
    probe: tuple[str, str]
    """(page where the TARGET block scores higher, page where it scores lower)."""
    suffixes: tuple[str, ...] | None = None
    """Names of the columns of a multi-column feature (default: 0, 1, 2, ...)."""
    probe_column: str | None = None
    """The column the probe compares (default: the sum of all columns)."""

    def width_for(self, config: FeatureConfig) -> int:
        return int(getattr(config, self.width)) if isinstance(self.width, str) else self.width

    def column_names(self, config: FeatureConfig | None = None) -> list[str]:
        return feature_columns(self.name, self.width_for(config or DEFAULT_CONFIG.features), self.suffixes)


def feature_columns(name: str, width: int, suffixes: tuple[str, ...] | None = None) -> list[str]:
    """Column names of a feature ``width`` columns wide: its name alone for one column, else
    ``name_<suffix>`` (suffixes 0, 1, 2, ... unless named); block and line features alike."""
    if width == 1:
        return [name]
    return [f"{name}_{s}" for s in (suffixes or range(width))]


REGISTRY: list[Feature] = []
_CFG = DEFAULT_CONFIG.features


def feature(
    name: str,
    meaning: str,
    probe: tuple[str, str],
    width: int | str = 1,
    suffixes: tuple[str, ...] | None = None,
    probe_column: str | None = None,
) -> Callable[[Compute], Compute]:
    """Declare a feature (decorator)."""

    def register(fn: Compute) -> Compute:
        if any(f.name == name for f in REGISTRY):
            raise ValueError(f"feature {name!r} declared twice")
        if suffixes is not None and (not isinstance(width, int) or len(suffixes) != width):
            raise ValueError(f"feature {name!r}: {len(suffixes)} column names for width {width}")
        REGISTRY.append(Feature(name, meaning, fn, width, probe, suffixes, probe_column))
        return fn

    return register


def _p(body: str) -> str:
    return f"<html><head><title>Page</title></head><body>{body}</body></html>"


_LONG = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho. "

# --- the text of the block itself -----------------------------------------------------------


@feature("log_tokens", "log(1 + number of tokens in the block)", (_p(f"<p>TARGET {_LONG}</p>"), _p("<p>TARGET</p>")))
def _log_tokens(t: BlockTable) -> FloatArray:
    return np.log1p(t.n_tokens)


@feature(
    "log_chars",
    "log(1 + number of characters in the block)",
    (_p("<p>TARGET longer words here</p>"), _p("<p>TARGET</p>")),
)
def _log_chars(t: BlockTable) -> FloatArray:
    return np.log1p(t.n_chars)


@feature(
    "link_density",
    "share of the block's tokens that sit inside links",
    (_p('<p><a href="/">TARGET x</a> y</p>'), _p("<p>TARGET x y</p>")),
)
def _link_density(t: BlockTable) -> FloatArray:
    return t.link_density


@feature(
    "link_char_share",
    "share of the block's characters that sit inside links",
    (_p('<p><a href="/">TARGET xxxxxxx</a> y</p>'), _p('<p><a href="/">TARGET</a> yyyyyyy</p>')),
)
def _link_char_share(t: BlockTable) -> FloatArray:
    return t.column("n_link_chars") / np.maximum(t.n_chars, 1)


@feature(
    "text_density",
    "tokens per 80-character line, as boilerpipe's text density",
    (_p("<p>TARGET a b c d e f g h</p>"), _p("<p>TARGET abcdefghijklmnopqrstuvwxyz</p>")),
)
def _text_density(t: BlockTable) -> FloatArray:
    return t.n_tokens / np.maximum(1.0, t.n_chars / 80.0)


@feature(
    "sentence_ends",
    "sentence-final punctuation marks (any script) per token",
    (_p("<p>TARGET one. Two! Three?</p>"), _p("<p>TARGET one two three</p>")),
)
def _sentence_ends(t: BlockTable) -> FloatArray:
    counts = t.count_matches(_SENTENCE_END_RE)
    return counts / np.maximum(t.n_tokens, 1)


@feature(
    "ends_with_punctuation",
    "1 when the block's last character ends a sentence",
    (_p("<p>TARGET ends here.</p>"), _p("<p>TARGET ends here</p>")),
)
def _ends_with_punctuation(t: BlockTable) -> FloatArray:
    return np.fromiter((b.text.rstrip("\"'»”’)")[-1:] in SENTENCE_END for b in t.blocks), float, t.n)


@feature(
    "comma_rate",
    "commas (Latin, Arabic, CJK) per token: running prose has clauses",
    (_p("<p>TARGET one, two, three</p>"), _p("<p>TARGET one two three</p>")),
)
def _comma_rate(t: BlockTable) -> FloatArray:
    counts = t.count_matches(_COMMA_RE)
    return counts / np.maximum(t.n_tokens, 1)


@feature(
    "digit_share",
    "share of the block's characters that are digits (dates, counts, prices)",
    (_p("<p>TARGET 2024 12 31</p>"), _p("<p>TARGET word word</p>")),
)
def _digit_share(t: BlockTable) -> FloatArray:
    counts = t.count_matches(_DIGIT_RE)
    return counts / np.maximum(t.n_chars, 1)


@feature(
    "mean_token_length", "average characters per token", (_p("<p>TARGET extraordinarily</p>"), _p("<p>TARGET a</p>"))
)
def _mean_token_length(t: BlockTable) -> FloatArray:
    return t.n_chars / np.maximum(t.n_tokens, 1)


# --- where the block sits in the page --------------------------------------------------------


@feature(
    "relative_position",
    "block index divided by the number of blocks (0 first, 1 last)",
    (_p("<p>a</p><p>TARGET</p>"), _p("<p>TARGET</p><p>a</p>")),
)
def _relative_position(t: BlockTable) -> FloatArray:
    return np.arange(t.n, dtype=float) / max(1, t.n - 1)


@feature(
    "relative_text_position",
    "share of the page's tokens that come before the block",
    (_p(f"<p>{_LONG}</p><p>TARGET</p>"), _p(f"<p>TARGET</p><p>{_LONG}</p>")),
)
def _relative_text_position(t: BlockTable) -> FloatArray:
    before = np.cumsum(t.n_tokens) - t.n_tokens
    return before / max(1.0, float(t.n_tokens.sum()))


@feature(
    "page_blocks", "log(1 + number of blocks on the page)", (_p("<p>TARGET</p><p>a</p><p>b</p>"), _p("<p>TARGET</p>"))
)
def _page_blocks(t: BlockTable) -> FloatArray:
    return np.full(t.n, np.log1p(t.n))


@feature(
    "page_token_share",
    "share of the page's tokens that are in this block",
    (_p("<p>TARGET a b c</p><p>d</p>"), _p("<p>TARGET</p><p>a b c d</p>")),
)
def _page_token_share(t: BlockTable) -> FloatArray:
    return t.n_tokens / max(1.0, float(t.n_tokens.sum()))


@feature(
    "size_vs_largest",
    "block tokens divided by the largest block's tokens",
    (_p("<p>TARGET a b c</p><p>d</p>"), _p("<p>TARGET</p><p>a b c d</p>")),
)
def _size_vs_largest(t: BlockTable) -> FloatArray:
    return t.n_tokens / max(1.0, float(t.n_tokens.max(initial=1.0)))


@feature(
    "offset_from_largest",
    "signed distance in blocks from the largest block, over block count",
    (_p(f"<p>{_LONG}</p><p>x</p><p>TARGET</p>"), _p(f"<p>TARGET</p><p>x</p><p>{_LONG}</p>")),
)
def _offset_from_largest(t: BlockTable) -> FloatArray:
    if t.n == 0:
        return np.zeros(0)
    return (np.arange(t.n) - int(np.argmax(t.n_tokens))) / max(1, t.n)


# --- the DOM around the block ----------------------------------------------------------------


@feature(
    "depth",
    "DOM depth of the block's element",
    (_p("<div><div><div><p>TARGET</p></div></div></div>"), _p("<p>TARGET</p>")),
)
def _depth(t: BlockTable) -> FloatArray:
    return t.column("depth")


@feature(
    "relative_depth",
    "DOM depth over the deepest block's depth on the page",
    (_p("<div><div><p>TARGET</p></div></div><p>a</p>"), _p("<p>TARGET</p><div><div><p>a</p></div></div>")),
)
def _relative_depth(t: BlockTable) -> FloatArray:
    depth = t.column("depth")
    return depth / max(1.0, float(depth.max(initial=1.0)))


OWN_TAGS = (
    "p",
    "div",
    "li",
    "td",
    "th",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "dd",
    "dt",
    "blockquote",
    "pre",
    "figcaption",
    "section",
    "article",
    "span",
    "button",
    "form",
    "header",
    "footer",
    "nav",
    "aside",
    "body",
    "table",
    "tr",
)
_OWN_TAG_INDEX = {tag: i for i, tag in enumerate(OWN_TAGS)}


@feature(
    "own_tag",
    "one-hot tag of the block's element (last column: any other tag)",
    (_p("<h1>TARGET</h1>"), _p("<p>TARGET</p>")),
    width=len(OWN_TAGS) + 1,
    suffixes=(*OWN_TAGS, "other"),
    probe_column="own_tag_h1",
)
def _own_tag(t: BlockTable) -> FloatArray:
    out = np.zeros((t.n, len(OWN_TAGS) + 1))
    idx = np.fromiter((_OWN_TAG_INDEX.get(b.tag, len(OWN_TAGS)) for b in t.blocks), np.int64, t.n)
    out[np.arange(t.n), idx] = 1.0
    return out


@feature(
    "inside",
    "one column per ancestor kind (" + ", ".join(FLAG_BITS) + "): 1 when inside one",
    (_p("<nav><ul><li><a href='/'>TARGET</a></li></ul></nav>"), _p("<p>TARGET</p>")),
    width=len(FLAG_BITS),
    suffixes=tuple(FLAG_BITS),
    probe_column="inside_nav",
)
def _inside(t: BlockTable) -> FloatArray:
    flags = np.fromiter((b.flags for b in t.blocks), np.int64, t.n)
    bits = np.array(list(FLAG_BITS.values()), dtype=np.int64)
    return ((flags[:, None] & bits[None, :]) > 0).astype(float)


@feature("is_heading", "1 when the block is an h1-h6", (_p("<h2>TARGET</h2>"), _p("<p>TARGET</p>")))
def _is_heading(t: BlockTable) -> FloatArray:
    return np.fromiter((b.tag in HEADINGS for b in t.blocks), float, t.n)


def hashed(token_lists: Sequence[tuple[str, ...]], buckets: int) -> FloatArray:
    """One 0/1 column per hash bucket (crc32 of the token): 1 where a row has a token in it.
    Zero buckets give zero columns (a hashed feature turned off)."""
    out = np.zeros((len(token_lists), buckets))
    if buckets == 0:
        return out
    # Sibling blocks repeat the same token tuples: hash each distinct tuple once.
    seen: dict[tuple[str, ...], list[int]] = {}
    for row, toks in enumerate(token_lists):
        columns = seen.get(toks)
        if columns is None:
            columns = seen[toks] = sorted({crc32(tok.encode()) % buckets for tok in toks})
        out[row, columns] = 1.0
    return out


@feature(
    "own_attr",
    "hashed class/id word pieces of the block's element",
    (_p('<p class="story-text">TARGET</p>'), _p("<p>TARGET</p>")),
    width="own_attr_buckets",
)
def _own_attr(t: BlockTable) -> FloatArray:
    return hashed([b.own_attr for b in t.blocks], t.config.own_attr_buckets)


@feature(
    "ancestor_attr",
    "hashed class/id word pieces of the block's ancestors",
    (_p('<div class="sidebar widget"><p>TARGET</p></div>'), _p("<div><p>TARGET</p></div>")),
    width="ancestor_attr_buckets",
)
def _ancestor_attr(t: BlockTable) -> FloatArray:
    return hashed([b.ancestor_attr for b in t.blocks], t.config.ancestor_attr_buckets)


_OWN_WORDS = 8
"""Words at the start of a block that ``own_words`` hashes."""


@feature(
    "own_words",
    "hashed first words of a short block's own text: the fixed wording of share bars, bylines, forms, footers",
    (_p("<div>TARGET Share this article</div>"), _p("<div>TARGET</div>")),
    width="own_word_buckets",
)
def _own_words(t: BlockTable) -> FloatArray:
    # Boilerplate is worded alike on every site ("Share on", "Leave a reply", "© 2025",
    # "Posted by"), but in the site's language, so the words are learnt rather than listed
    # (the line model's line_words, for blocks).  Prose gets none: its openings are the
    # story's own.  Held-out region macro-F1 on 1,723 gold pages 0.743 -> 0.751 (ads_share
    # 0.533 -> 0.567, comment_form 0.774 -> 0.787).
    short = t.n_tokens < _PARAGRAPH_MIN_TOKENS
    return hashed(
        [tuple(words[:_OWN_WORDS]) if is_short else () for words, is_short in zip(t.block_tokens, short, strict=True)],
        t.config.own_word_buckets,
    )


CLASS_WORDS: dict[str, frozenset[str]] = {
    "comments": frozenset(
        "comment comments commentlist reply replies disqus respond discussion kommentar kommentare".split()
    ),
    "comment_form": frozenset("form subscribe newsletter signup login contact search".split()),
    "suggested": frozenset("related similar recommended recommendations suggested suggestions yarpp".split()),
    "latest": frozenset("latest popular trending mostread recent ticker sidebar widget".split()),
    "navigation": frozenset(
        "nav navbar navigation menu menus breadcrumb breadcrumbs pagination pager submenu topnav".split()
    ),
    "footer": frozenset("footer copyright colophon legal imprint".split()),
    "ads_share": frozenset(
        "share sharing social follow advert advertisement ads sponsor sponsored banner addthis".split()
    ),
    "metadata": frozenset("author byline date time tags tag meta source category published dateline posted".split()),
}
"""class/id word pieces that name a region (page code is written in English whatever the
page's language).  Read by the ``attr_kind`` feature and the weak-labelling rules."""


@feature(
    "attr_kind",
    "per region, 1 when the block's class/id names it, 0.5 for a near ancestor's, 0.25 a far one's",
    (_p('<div class="comments"><p>TARGET</p></div>'), _p('<div class="content"><p>TARGET</p></div>')),
    width=len(CLASS_WORDS),
    suffixes=tuple(CLASS_WORDS),
)
def _attr_kind(t: BlockTable) -> FloatArray:
    # Developers name regions in English whatever the page's language; hashed pieces blur
    # these few telling words with thousands of others.
    out = np.zeros((t.n, len(CLASS_WORDS)))
    for i, b in enumerate(t.blocks):
        near = b.ancestor_attr[:6]
        for k, words in enumerate(CLASS_WORDS.values()):
            if not words.isdisjoint(b.own_attr):
                out[i, k] = 1.0
            elif not words.isdisjoint(near):
                out[i, k] = 0.5
            elif not words.isdisjoint(b.ancestor_attr):
                out[i, k] = 0.25
    return out


# --- siblings: the link-farm signal -----------------------------------------------------------


@feature(
    "is_short_link_item",
    "1 when the block is short and mostly link text (a list headline)",
    (_p('<ul><li><a href="/">TARGET a</a></li></ul>'), _p("<ul><li>TARGET a</li></ul>")),
)
def _is_short_link_item(t: BlockTable) -> FloatArray:
    return t.short_link_item


@feature(
    "sibling_count",
    "log(1 + blocks sharing the block's parent element)",
    (_p("<ul><li>TARGET</li><li>a</li><li>b</li></ul>"), _p("<ul><li>TARGET</li></ul>")),
)
def _sibling_count(t: BlockTable) -> FloatArray:
    return np.log1p(t.container_sizes)


@feature(
    "short_link_siblings",
    "share of the block's siblings that are short link items",
    (
        _p('<ul><li>TARGET</li><li><a href="/">a</a></li><li><a href="/">b</a></li></ul>'),
        _p("<ul><li>TARGET</li><li>a</li><li>b</li></ul>"),
    ),
)
def _short_link_siblings(t: BlockTable) -> FloatArray:
    return t.list_mean(t.short_link_item)


@feature(
    "sibling_link_density",
    "link density over all blocks sharing the parent element",
    (_p('<div><p>TARGET</p><p><a href="/">a b</a></p></div>'), _p("<div><p>TARGET</p><p>a b</p></div>")),
)
def _sibling_link_density(t: BlockTable) -> FloatArray:
    return t.per_container(t.n_link_tokens) / np.maximum(t.per_container(t.n_tokens), 1)


@feature(
    "sibling_token_share",
    "share of the page's tokens in the blocks sharing the parent element",
    (_p("<div><p>TARGET</p><p>a b c</p></div><p>d</p>"), _p("<div><p>TARGET</p></div><p>a b c d</p>")),
)
def _sibling_token_share(t: BlockTable) -> FloatArray:
    return t.per_container(t.n_tokens) / max(1.0, float(t.n_tokens.sum()))


@feature(
    "template_repeats",
    "log(1 + parent elements holding a block of this template: cards, comments)",
    (_p("<div><p>TARGET</p></div><div><p>a</p></div><div><p>b</p></div>"), _p("<div><p>TARGET</p><p>a</p></div>")),
)
def _template_repeats(t: BlockTable) -> FloatArray:
    return np.log1p(t.template_containers.astype(float))


@feature(
    "template_token_share",
    "share of the page's tokens in blocks of this block's template",
    (_p("<div><p>TARGET</p><p>a b c</p></div><p class='other'>d</p>"), _p("<p>TARGET</p><p class='other'>a b c d</p>")),
)
def _template_token_share(t: BlockTable) -> FloatArray:
    sums = np.bincount(t.template_ids, weights=t.n_tokens)
    return sums[t.template_ids] / max(1.0, float(t.n_tokens.sum()))


@feature(
    "text_repeats",
    "log(1 + other blocks of the page with the same text), own and mean over its list",
    (
        _p("<div><p>TARGET</p></div><div><p>target</p></div><div><p>Target</p></div>"),
        _p("<div><p>TARGET</p></div><div><p>a</p></div><div><p>b</p></div>"),
    ),
    width=2,
    suffixes=("block", "list"),
    probe_column="text_repeats_block",
)
def _text_repeats(t: BlockTable) -> FloatArray:
    # A story says each sentence once; "Read more", "Reply", error prompts repeated in every row
    # and teasers that repeat the lead recur, and so do the lists (cards) that hold them.
    keys = [" ".join(b.text.casefold().split()) for b in t.blocks]
    counts = Counter(keys)
    own = np.log1p(np.fromiter((counts[k] - 1 for k in keys), float, t.n))
    return np.column_stack([own, t.list_mean(own)])


# --- link targets and images: headline cards point at stories and carry thumbnails -----------


@feature(
    "image_count",
    "log(1 + images inside the block): thumbnails mark headline cards",
    (_p('<ul><li><img src="t.jpg"><a href="/a">TARGET</a></li></ul>'), _p('<ul><li><a href="/a">TARGET</a></li></ul>')),
)
def _image_count(t: BlockTable) -> FloatArray:
    return np.log1p(t.column("n_images"))


@feature(
    "sibling_images",
    "share of the block's siblings that hold an image (card lists)",
    (
        _p('<ul><li><a href="/a">TARGET</a></li><li><img src="t.jpg"><a href="/b">b</a></li></ul>'),
        _p('<ul><li><a href="/a">TARGET</a></li><li><a href="/b">b</a></li></ul>'),
    ),
)
def _sibling_images(t: BlockTable) -> FloatArray:
    return t.list_mean((t.column("n_images") > 0).astype(float))


@feature(
    "link_story_url",
    "share of the block's links pointing at a story URL (dated, numbered or slugged), as headlines do",
    (
        _p('<ul><li><a href="/news/2024/05/storm-hits-the-coast">TARGET</a></li></ul>'),
        _p('<ul><li><a href="/about">TARGET</a></li></ul>'),
    ),
)
def _link_story_url(t: BlockTable) -> FloatArray:
    return t.link_share(lambda href: bool(_STORY_URL.search(href)))


@feature(
    "link_offsite",
    "share of the block's links to another host than the page's (share buttons, ads, partner widgets)",
    (
        "<html><head><link rel='canonical' href='https://news.example/a'></head><body>"
        "<p><a href='https://social.example/share'>TARGET</a></p></body></html>",
        "<html><head></head><body><p><a href='/share'>TARGET</a></p></body></html>",
    ),
)
def _link_offsite(t: BlockTable) -> FloatArray:
    page_host = t.host

    def offsite(href: str) -> bool:
        host = _host(href)
        return bool(host) and host != page_host

    return t.link_share(offsite)


# --- the text mass around the block: where the story concentrates -----------------------------


@feature(
    "in_main_container",
    "1 inside the deepest element that holds half the page's non-link text",
    (
        _p(f"<div><p>TARGET {_LONG}</p><p>{_LONG}</p></div><ul><li>a</li></ul>"),
        _p(f"<ul><li>TARGET</li></ul><div><p>{_LONG}</p><p>{_LONG}</p></div>"),
    ),
)
def _in_main_container(t: BlockTable) -> FloatArray:
    return t.in_main.astype(float)


@feature(
    "depth_below_main",
    "how many levels below the main container the block sits (-1 outside)",
    (
        _p(f"<div><div><p>TARGET</p></div><p>{_LONG}</p><p>{_LONG}</p></div>"),
        _p(f"<div><p>TARGET</p><p>{_LONG}</p><p>{_LONG}</p></div>"),
    ),
)
def _depth_below_main(t: BlockTable) -> FloatArray:
    out = np.full(t.n, -1.0)
    for i in np.nonzero(t.in_main)[0]:
        paths = t.ancestor_paths[i]
        out[i] = len(paths) - 1 - paths.index(t.main_container)
    return out


def _ancestor_prose_share(t: BlockTable, up: int) -> FloatArray:
    total = max(1.0, float((t.n_tokens - t.n_link_tokens).sum()))
    mass = t.subtree_prose
    return np.fromiter((mass[paths[max(0, len(paths) - 1 - up)]] / total for paths in t.ancestor_paths), float, t.n)


@feature(
    "parent_prose_share",
    "share of the page's non-link tokens under the block's parent element",
    (_p(f"<div><p>TARGET</p><p>{_LONG}</p></div><p>x</p>"), _p(f"<div><p>TARGET</p></div><p>{_LONG}</p>")),
)
def _parent_prose_share(t: BlockTable) -> FloatArray:
    return _ancestor_prose_share(t, 1)


@feature(
    "grandparent_prose_share",
    "share of the page's non-link tokens under the block's grandparent",
    (
        _p(f"<div><div><p>TARGET</p></div><p>{_LONG}</p></div><p>x</p>"),
        _p(f"<div><div><p>TARGET</p></div></div><p>{_LONG}</p>"),
    ),
)
def _grandparent_prose_share(t: BlockTable) -> FloatArray:
    return _ancestor_prose_share(t, 2)


@feature(
    "after_main_container",
    "1 for blocks after the main container ends (related lists, comments, footers follow the story)",
    (
        _p(f"<div><p>{_LONG}</p><p>{_LONG}</p></div><ul><li>TARGET</li></ul>"),
        _p(f"<ul><li>TARGET</li></ul><div><p>{_LONG}</p><p>{_LONG}</p></div>"),
    ),
)
def _after_main_container(t: BlockTable) -> FloatArray:
    inside = t.in_main
    if not inside.any():
        return np.zeros(t.n)
    last = int(np.nonzero(inside)[0].max())
    return (np.arange(t.n) > last).astype(float)


@feature(
    "heading_words",
    "hashed words of the nearest heading above the block (tells 'related' lists from 'latest' ones)",
    (_p("<h2>Related stories</h2><ul><li>TARGET</li></ul>"), _p("<ul><li>TARGET</li></ul>")),
    width="heading_buckets",
)
def _heading_words(t: BlockTable) -> FloatArray:
    return hashed([tuple(tokens(b.heading)[:8]) for b in t.blocks], t.config.heading_buckets)


@feature(
    "heading_kind",
    "1 in column suggested/latest when the nearest heading (or the heading itself) uses that list's words",
    (_p("<h2>Related stories</h2><ul><li>TARGET</li></ul>"), _p("<h2>Latest news</h2><ul><li>TARGET</li></ul>")),
    width=2,
    suffixes=("suggested", "latest"),
    probe_column="heading_kind_suggested",
)
def _heading_kind(t: BlockTable) -> FloatArray:
    # The hashed heading words above need examples in every language; the multilingual
    # vocabulary (data/region_vocabulary.json) carries a rare language's heading over at once.
    kind_of = _kind_lookup()
    return _kind_columns([kind_of(b.text if b.tag in HEADINGS else b.heading) for b in t.blocks])


@feature(
    "section_heading_kind",
    "heading_kind of the nearest heading above that is not a card's own title (not repeated in many parents)",
    (
        _p("<h2>Related stories</h2><div><h3>a</h3><p>TARGET</p></div><div><h3>b</h3><p>c</p></div>"),
        _p("<h2>Latest news</h2><div><h3>a</h3><p>TARGET</p></div><div><h3>b</h3><p>c</p></div>"),
    ),
    width=2,
    suffixes=("suggested", "latest"),
    probe_column="section_heading_kind_suggested",
)
def _section_heading_kind(t: BlockTable) -> FloatArray:
    # In a list of cards each card's <h3> is the nearest heading of its teaser, hiding the
    # list's own heading ("Related stories"); headings printed in many parents are skipped.
    kind_of = _kind_lookup()
    return _kind_columns([kind_of(text) for text in t.section_headings])


def _kind_lookup() -> Callable[[str], str | None]:
    """The vocabulary's heading kind, memoised for one page: headings and labels repeat down a page."""
    vocab = load_vocabulary()
    memo: dict[str, str | None] = {}

    def kind_of(text: str) -> str | None:
        if text not in memo:
            memo[text] = vocab.heading_kind(text[:200])
        return memo[text]

    return kind_of


def _kind_columns(kinds: Sequence[str | None]) -> FloatArray:
    """Two columns, suggested and latest: 1 where a block's kind is that one."""
    out = np.zeros((len(kinds), 2))
    for i, kind in enumerate(kinds):
        if kind is not None:
            out[i, 0 if kind == "suggested" else 1] = 1.0
    return out


_LABEL_MAX_TOKENS = 8
"""A link-free block this short can be a list's label ("Related posts" in a <div>)."""
_PARAGRAPH_MIN_TOKENS = 20
"""A link-free block this long is prose: it ends the section a label opened."""


@feature(
    "label_kind",
    "1 in column suggested/latest when the nearest short link-free label above (any tag) uses that list's words",
    (
        _p("<div>Related stories</div><ul><li><a href='/a'>TARGET</a></li></ul>"),
        _p(f"<div>Related stories</div><p>{_LONG * 2}</p><ul><li><a href='/a'>TARGET</a></li></ul>"),
    ),
    width=2,
    suffixes=("suggested", "latest"),
    probe_column="label_kind_suggested",
)
def _label_kind(t: BlockTable) -> FloatArray:
    # Many sites title their widgets with a <div> or <span>, not an <h2>, so heading_kind
    # misses them; here any short link-free block can open a section, and prose closes it.
    kind_of = _kind_lookup()
    kinds: list[str | None] = []
    kind: str | None = None
    for b in t.blocks:
        link_free = b.n_link_tokens == 0
        if b.tag in HEADINGS:
            kind = kind_of(b.text)
        elif link_free and 0 < b.n_tokens <= _LABEL_MAX_TOKENS:
            kind = kind_of(b.text) or kind
        elif link_free and b.n_tokens >= _PARAGRAPH_MIN_TOKENS:
            kind = None
        kinds.append(kind)
    return _kind_columns(kinds)


# --- similarity to the page title ------------------------------------------------------------


@feature(
    "title_coverage",
    "share of the <title>/og:title tokens found in the block",
    (
        "<html><head><title>TARGET news story</title></head><body><h1>TARGET news story</h1></body></html>",
        "<html><head><title>news story</title></head><body><h1>TARGET other</h1></body></html>",
    ),
)
def _title_coverage(t: BlockTable) -> FloatArray:
    if not t.title_tokens:
        return np.zeros(t.n)
    return np.fromiter((len(s & t.title_tokens) for s in t.block_token_sets), float, t.n) / len(t.title_tokens)


@feature(
    "title_containment",
    "share of the block's distinct tokens that occur in the title",
    (
        "<html><head><title>TARGET news</title></head><body><h1>TARGET news</h1></body></html>",
        "<html><head><title>TARGET news</title></head><body><h1>TARGET other words</h1></body></html>",
    ),
)
def _title_containment(t: BlockTable) -> FloatArray:
    if not t.title_tokens:
        return np.zeros(t.n)
    return np.fromiter((len(s & t.title_tokens) / max(1, len(s)) for s in t.block_token_sets), float, t.n)


# --- ties between a link list and the story ----------------------------------------------------

_CONTENT_TOKEN_CHARS = 4
"""Tokens this long (or of an unspaced script) carry topic; shorter ones are mostly function words."""


def _content_tokens(words: set[str]) -> set[str]:
    return {w for w in words if len(w) >= _CONTENT_TOKEN_CHARS or ord(w[0]) >= 0x3040}  # Han/kana: one char, one word


@feature(
    "story_overlap",
    "share of the block's topic words (own, then mean over its list) found in the page's prose blocks",
    (
        _p(f"<p>{_LONG} hurricane florida coast</p><ul><li><a href='/a'>TARGET hurricane florida</a></li></ul>"),
        _p(f"<p>{_LONG} hurricane florida coast</p><ul><li><a href='/a'>TARGET election results</a></li></ul>"),
    ),
    width=2,
    suffixes=("block", "list"),
    probe_column="story_overlap_block",
)
def _story_overlap(t: BlockTable) -> FloatArray:
    # Related lists share the story's topic words; latest/most-read lists do not.  Prose blocks
    # (mostly link-free, 20+ tokens) stand for the story; a block's own words are not counted.
    prose = (t.n_tokens >= _PARAGRAPH_MIN_TOKENS) & (t.link_density < 0.3)
    counts: dict[str, int] = {}
    sets = [_content_tokens(s) for s in t.block_token_sets]
    for i in np.nonzero(prose)[0]:
        for w in sets[i]:
            counts[w] = counts.get(w, 0) + 1
    own = np.zeros(t.n)
    for j, words in enumerate(sets):
        if words:
            self_count = 1 if prose[j] else 0
            own[j] = sum(counts.get(w, 0) > self_count for w in words) / len(words)
    has_words = np.fromiter((bool(s) for s in sets), float, t.n)
    mean = t.per_container(own) / np.maximum(t.per_container(has_words), 1.0)
    return np.column_stack([own, mean])


_URL_PATH = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?(?://[^/?#]*)?([^?#]*)", re.IGNORECASE)


def _section(url: str) -> str:
    """First path segment of a URL with a deeper path ("" for none); a regex, since urlsplit
    raises on the malformed hosts real pages carry."""
    match = _URL_PATH.match(url.strip())
    parts = [p for p in (match.group(1) if match else "").split("/") if p]
    return parts[0].lower() if len(parts) > 1 else ""


@feature(
    "link_section",
    "share of the block's links into the page's own URL section, and distinct sections over links in its list",
    (
        "<html><head><link rel='canonical' href='https://n.example/sport/a-b-c'></head><body>"
        "<ul><li><a href='/sport/x-y-z'>TARGET</a></li></ul></body></html>",
        "<html><head><link rel='canonical' href='https://n.example/sport/a-b-c'></head><body>"
        "<ul><li><a href='/politics/x-y-z'>TARGET</a></li></ul></body></html>",
    ),
    width=2,
    suffixes=("same", "spread"),
    probe_column="link_section_same",
)
def _link_section(t: BlockTable) -> FloatArray:
    # "Related" lists stay in the story's section; "latest"/"most read" lists span the site.
    page = _section(t.url or "")
    same = np.zeros(t.n)
    by_container: dict[int, list[str]] = {}
    for i, (b, container) in enumerate(zip(t.blocks, t.containers.tolist(), strict=True)):
        secs = [s for s in (_section(h) for h in b.hrefs if h.startswith(("/", "http"))) if s]
        by_container.setdefault(container, []).extend(secs)
        if page and secs:
            same[i] = sum(s == page for s in secs) / len(secs)
    # Once per list, not per item: a 700-item list would otherwise rebuild its set 700 times.
    spread_of = {
        c: (len(set(secs)) - 1) / (len(secs) - 1) if len(secs) >= 2 else 0.0 for c, secs in by_container.items()
    }
    spread = np.fromiter((spread_of[c] for c in t.containers.tolist()), float, t.n)
    return np.column_stack([same, spread])


# --- context: the same signals for the neighbouring blocks ------------------------------------

CONTEXT_OF = (
    "log_tokens",
    "link_density",
    "text_density",
    "sentence_ends",
    "short_link_siblings",
    "title_coverage",
    "is_heading",
    "in_main_container",
)
"""Features copied from the blocks at ``FeatureConfig.context_offsets`` (NaN past the page's ends)."""


def shift_context(values: FloatArray, offset: int) -> FloatArray:
    """``values`` of the row ``offset`` places later (earlier if negative); NaN past the ends."""
    out = np.full_like(values, np.nan)
    if offset > 0 and offset < len(values):
        out[:-offset] = values[offset:]
    elif offset < 0 and -offset < len(values):
        out[-offset:] = values[:offset]
    return out


def column_names(config: FeatureConfig = _CFG) -> list[str]:
    """Names of the feature matrix's columns, in order."""
    names = [name for f in REGISTRY for name in f.column_names(config)]
    names += [f"{name}@{off:+d}" for off in config.context_offsets for name in CONTEXT_OF]
    return names


def feature_matrix(blocks: Sequence[Block], doc: Document | None = None, config: FeatureConfig = _CFG) -> FloatArray:
    """The (n_blocks, n_features) float32 matrix for one page; columns as :func:`column_names`."""
    table = BlockTable(blocks, doc.title if doc else "", config, doc.url if doc else None)
    if table.n == 0:
        return np.zeros((0, len(column_names(config))), dtype=np.float32)
    columns: list[FloatArray] = []
    by_name: dict[str, FloatArray] = {}
    for f in REGISTRY:
        values = f.compute(table)
        if f.width_for(config) == 1:
            by_name[f.name] = values
            columns.append(values[:, None])
        else:
            columns.append(values)
    for off in config.context_offsets:
        for name in CONTEXT_OF:
            columns.append(shift_context(by_name[name], off)[:, None])
    return np.hstack(columns).astype(np.float32)
