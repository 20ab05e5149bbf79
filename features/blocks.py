"""Stage 2: :class:`~thresher.features.document.Document` → list of :class:`Block`.

Segmentation in the manner of boilerpipe and dragnet: block-level elements (``p``, ``div``,
``li``, ``h1``…, ``td``…) start and end blocks; inline elements (``a``, ``span``, ``b``…)
stay inside the block around them, so a paragraph with three links is one block whose
link-token count is known.  The walk is iterative (lxml's ``iterwalk``), so no page depth
can exhaust Python's recursion limit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from lxml import etree

from thresher.config import DEFAULT_CONFIG, SegmentationConfig
from thresher.features.document import Document
from thresher.features.tokens import TOKEN_RE, collapse_ws

BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "button",
        "caption",
        "center",
        "dd",
        "details",
        "dialog",
        "dir",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hgroup",
        "hr",
        "html",
        "legend",
        "li",
        "main",
        "menu",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    ]
)
SKIP_TAGS = frozenset(
    [
        "script",
        "style",
        "noscript",
        "template",
        "svg",
        "math",
        "head",
        "iframe",
        "object",
        "embed",
        "canvas",
        "video",
        "audio",
        "map",
        "input",
        "select",
        "textarea",
        "option",
        "datalist",
    ]
)
HEADINGS = frozenset(["h1", "h2", "h3", "h4", "h5", "h6"])

# One bit per ancestor kind a block can sit inside; the features read these bits.
FLAG_BITS: dict[str, int] = {
    name: 1 << i
    for i, name in enumerate(
        [
            "article",
            "main",
            "aside",
            "nav",
            "header",
            "footer",
            "form",
            "li",
            "a",
            "heading",
            "list",
            "table",
            "blockquote",
            "figure",
            "pre",
            "p",
        ]
    )
}
_TAG_FLAG: dict[str, int] = {
    # Every kind named after its tag flags that tag; "heading" and "list" gather several tags.
    **{name: bit for name, bit in FLAG_BITS.items() if name not in ("heading", "list")},
    **{h: FLAG_BITS["heading"] for h in HEADINGS},
    **{t: FLAG_BITS["list"] for t in ("ul", "ol", "menu", "dl")},
}
_ATTR_SPLIT = re.compile(r"[^a-z]+")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
LINE_BREAK = "\x0b"
"""Stands for <br> while text is collected (parse() removes this character from input)."""
MAX_ATTR_ANCESTORS = 8
"""How many ancestors' class/id tokens a block records (nearest first)."""


@dataclass(slots=True)
class Block:
    """A run of text that the page renders as one block, with what features need about it."""

    text: str
    xpath: str
    """Absolute XPath of the owning element, every step indexed (``/html/body[1]/div[2]/p[1]``)."""
    tag: str
    """Tag of the block-level element that owns the text."""
    depth: int
    """DOM depth of that element."""
    flags: int
    """Bitwise OR of FLAG_BITS for the element and all its ancestors."""
    n_tokens: int
    n_link_tokens: int
    n_chars: int
    n_link_chars: int
    own_attr: tuple[str, ...]
    """class/id tokens of the owning element."""
    ancestor_attr: tuple[str, ...]
    """class/id tokens of its ancestors (nearest first)."""
    container: int
    """Identifier of the owning element's parent: blocks with the same value are siblings."""
    ancestors: tuple[str, ...] = ()
    """XPaths of the owning element's ancestors, outermost first, ending with its own."""
    heading: str = ""
    """Text of the nearest heading block before this one."""
    hrefs: tuple[str, ...] = ()
    """Targets of the block's links, as written in the page."""
    n_images: int = 0
    """Images inside the block (thumbnails mark headline cards)."""


def attr_tokens(el: Any) -> tuple[str, ...]:
    """Lower-cased word pieces of an element's class and id (``newsBody-2`` → news, body)."""
    return split_attr(f"{el.get('class') or ''} {el.get('id') or ''}")


@lru_cache(maxsize=65536)
def split_attr(raw: str) -> tuple[str, ...]:
    """Word pieces of a class/id string; memoised, as templates repeat the same classes."""
    if raw.isspace():
        return ()
    if not raw.islower():
        raw = _CAMEL.sub(" ", raw).lower()
    return tuple(t for t in _ATTR_SPLIT.split(raw) if len(t) > 2)


_Frame = tuple[Any, bool, int, int, str, dict[str, int]]
"""An open element while walking: (element, is block-level, depth, ancestor flags, xpath, child tag counts)."""


class _Segmenter:
    """One pass over a tree; collects blocks.  Internal: use :func:`segment`."""

    def __init__(self, root: Any, config: SegmentationConfig, hidden: set[Any]) -> None:
        self.hidden = hidden
        self.root = root
        self.config = config
        self.blocks: list[Block] = []
        self.parts: list[str] = []
        self.link_parts: list[str] = []
        self.hrefs: list[str] = []
        self.images = 0
        self.heading = ""
        self.container_ids: dict[Any, int] = {}
        self.attr_cache: dict[Any, tuple[str, ...]] = {}

    def flush(
        self,
        owner: Any,
        xpath: str,
        depth: int,
        flags: int,
        own_attr: tuple[str, ...],
        ancestor_attr: tuple[str, ...],
        ancestors: tuple[str, ...],
    ) -> None:
        if not self.parts:
            return
        raw = "".join(self.parts)
        link_raw = "".join(self.link_parts)
        hrefs, n_images = tuple(self.hrefs), self.images
        self.parts.clear()
        self.link_parts.clear()
        self.hrefs.clear()
        self.images = 0
        if LINE_BREAK in raw:
            lines = (collapse_ws(line) for line in raw.split(LINE_BREAK))
            text = "\n".join(line for line in lines if line)
        else:
            text = collapse_ws(raw)
        n_tokens = len(TOKEN_RE.findall(text))
        if n_tokens == 0 or len(self.blocks) >= self.config.max_blocks:
            return
        parent = owner.getparent()
        container = self.container_ids.setdefault(parent, len(self.container_ids))
        link_text = collapse_ws(link_raw) if link_raw else ""
        tag = owner.tag if isinstance(owner.tag, str) else "div"
        self.blocks.append(
            Block(
                text=text,
                xpath=xpath,
                tag=tag,
                depth=depth,
                flags=flags,
                n_tokens=n_tokens,
                n_link_tokens=min(n_tokens, len(TOKEN_RE.findall(link_text))) if link_text else 0,
                n_chars=len(text),
                n_link_chars=min(len(text), len(link_text)),
                own_attr=own_attr,
                ancestor_attr=ancestor_attr,
                container=container,
                ancestors=ancestors,
                heading=self.heading,
                hrefs=hrefs,
                n_images=n_images,
            )
        )
        if tag in HEADINGS:
            self.heading = text

    def run(self) -> list[Block]:
        # A frame per open element: (element, is_block, depth, flags, xpath, child counts).
        # The innermost block-level frame owns the text being collected.  XPaths are built
        # here, not with lxml's getpath(), which rescans siblings and is quadratic on flat pages.
        # This loop runs once per element of every page: it is kept flat on purpose.
        max_blocks = self.config.max_blocks
        frames: list[_Frame] = []
        block_frames: list[int] = []  # indexes into frames of block-level elements
        parts, link_parts = self.parts, self.link_parts
        link_level = 0
        tag_flag, block_tags, hidden = _TAG_FLAG, BLOCK_TAGS, self.hidden
        walker = etree.iterwalk(self.root, events=("start", "end"))
        for event, el in walker:
            tag = el.tag
            if tag.__class__ is not str:  # comments / processing instructions that survived
                if event == "end" and el.tail and (parts or not el.tail.isspace()):
                    parts.append(el.tail)
                    if link_level:
                        link_parts.append(el.tail)
                continue
            if event == "start":
                frame: _Frame
                if frames:
                    parent = frames[-1]
                    counts = parent[5]
                    counts[tag] = index = counts.get(tag, 0) + 1
                    if hidden and el in hidden:
                        # Counted above, so the XPaths of later siblings match the page's own.
                        walker.skip_subtree()
                        frames.append((el, False, -1, 0, "", {}))
                        continue
                    frame = (
                        el,
                        tag in block_tags,
                        parent[2] + 1,
                        parent[3] | tag_flag.get(tag, 0),
                        f"{parent[4]}/{tag}[{index}]",
                        {},
                    )
                else:
                    frame = (el, tag in block_tags, 0, tag_flag.get(tag, 0), f"/{tag}", {})
                if frame[1]:
                    if parts:
                        self._flush_top(frames, block_frames)
                        if len(self.blocks) >= max_blocks:
                            break
                    else:  # links and images of a block without text belong to no block
                        self.hrefs.clear()
                        self.images = 0
                    block_frames.append(len(frames))
                elif tag == "a":
                    link_level += 1
                    href = el.get("href")
                    if href:
                        self.hrefs.append(href)
                elif tag == "img":
                    self.images += 1
                frames.append(frame)
                if tag == "br":
                    parts.append(LINE_BREAK)
                else:
                    text = el.text
                    if text and (parts or not text.isspace()):
                        parts.append(text)
                        if link_level:
                            link_parts.append(text)
            else:
                frame = frames.pop()
                # A hidden element (depth -1, never a block, never counted as a link) adds only its tail.
                if frame[1]:
                    if parts:
                        frames.append(frame)
                        self._flush_top(frames, block_frames)
                        frames.pop()
                    block_frames.pop()
                elif tag == "a" and frame[2] != -1:
                    link_level -= 1
                text = el.tail
                if text and (parts or not text.isspace()):
                    parts.append(text)
                    if link_level:
                        link_parts.append(text)
        if parts and frames:
            self._flush_top(frames, block_frames)
        return self.blocks[:max_blocks]

    def _flush_top(self, frames: list[_Frame], block_frames: list[int]) -> None:
        top = block_frames[-1] if block_frames else 0
        el, _, depth, flags, path, _ = frames[top]
        ancestors: list[str] = []
        for i in range(top - 1, max(-1, top - 1 - MAX_ATTR_ANCESTORS), -1):
            ancestors.extend(self._attr_tokens(frames[i][0]))
        paths = tuple(frames[i][4] for i in range(top + 1))
        self.flush(el, path, depth, flags, self._attr_tokens(el), tuple(ancestors), paths)

    def _attr_tokens(self, el: Any) -> tuple[str, ...]:
        cached = self.attr_cache.get(el)
        if cached is None:
            cached = self.attr_cache[el] = attr_tokens(el)
        return cached


_MAYBE_HIDDEN = etree.XPath("//*[@hidden or @aria-hidden='true' or @style]")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)


# React's streaming server rendering sends late content as <div hidden id="S:0">...</div>, which
# its script moves into place on load: the story of such a page is all in hidden divs.
_STREAMED_SEGMENT = re.compile(r"S:\d+")


def _is_hidden(el: Any) -> bool:
    if el.get("hidden") is not None:
        return not _STREAMED_SEGMENT.fullmatch(el.get("id") or "")
    if el.get("aria-hidden") == "true":
        return True
    style = el.get("style")
    return bool(style and _HIDDEN_STYLE.search(style))


def prune(root: Any, config: SegmentationConfig = DEFAULT_CONFIG.segmentation) -> set[Any]:
    """Remove what is never shown as text (scripts, styles, form controls) and return the
    hidden elements, which the walk skips.

    Removal happens in libxml2 (strip_elements), so the Python walk never sees those
    elements; XPath steps are counted per tag, so removing them shifts no block's XPath.
    Hidden elements stay in the tree for the same reason: they count as siblings.
    ``<noscript>`` elements are skipped the same way, except where they hold the page (see
    :func:`_noscripts_to_skip`); so are hidden elements (see :func:`_hidden_pages`).
    """
    etree.strip_elements(root, *_STRIPPED, with_tail=False)
    skipped = _noscripts_to_skip(root, config.noscript_min_chars)
    if not config.drop_hidden:
        return skipped
    hidden = {el for el in _MAYBE_HIDDEN(root) if _is_hidden(el)}
    return skipped | (hidden - _hidden_pages(root, hidden, config.noscript_min_chars, config.hidden_page_ratio))


_MENU_PATH = etree.XPath("ancestor-or-self::*[self::nav or self::header or self::footer or self::aside or self::menu]")


def _hidden_pages(root: Any, hidden: set[Any], min_chars: int, ratio: float) -> set[Any]:
    """The outermost hidden elements that hold the page: at least ``min_chars`` of text and
    ``ratio`` times the text outside all hidden elements (none when ``ratio`` is 0).

    Some pages ship their story inside a tab, modal or app shell that stays hidden until a
    script reveals it; skipping it would leave only the menus.  Hidden elements inside a
    revealed one stay skipped."""
    if not hidden or ratio <= 0:
        return set()
    outer = [el for el in hidden if not any(a in hidden for a in el.iterancestors())]
    sizes = [_text_length(el) for el in outer]
    if max(sizes) < min_chars:  # the usual case: icons, closed menus, tooltips
        return set()
    visible = _text_length(root) - sum(sizes)
    return {
        el
        for el, size in zip(outer, sizes, strict=True)
        # A hidden menu is never the story (shops' mega-menus hold more text than the page).
        if size >= min_chars and size >= ratio * visible and not _MENU_PATH(el)
    }


_STRIPPED = tuple(SKIP_TAGS - {"noscript"})
_OUTER_NOSCRIPTS = etree.XPath("//noscript[not(ancestor::noscript)]")


def _text_length(el: Any) -> int:
    return sum(len(t.strip()) for t in el.itertext())


def _noscripts_to_skip(root: Any, min_chars: int) -> set[Any]:
    """The ``<noscript>`` elements whose text a reader never sees.

    A browser with scripts on shows none of them.  Two kinds of page still have their content
    there: forums that render posts with JavaScript and put them in ``<noscript>`` for crawlers
    (Discourse), and pages where libxml2, unlike an HTML5 parser, lets an unclosed tag in an
    early ``<noscript>`` swallow the rest of the page.  So a ``<noscript>`` with at least
    ``min_chars`` of text, and more text than the page outside all of them, is read as content.
    """
    noscripts = _OUTER_NOSCRIPTS(root)
    if not noscripts:
        return set()
    sizes = [_text_length(n) for n in noscripts]
    if max(sizes) < min_chars:
        return set(noscripts)
    outside = _text_length(root) - sum(sizes)
    return {n for n, size in zip(noscripts, sizes, strict=True) if size < min_chars or size <= outside}


def segment(doc: Document, config: SegmentationConfig = DEFAULT_CONFIG.segmentation) -> list[Block]:
    """Cut a parsed page into blocks, in document order (prunes ``doc.root`` in place)."""
    if len(doc.root) == 0 and not (doc.root.text or "").strip():
        return []
    hidden = prune(doc.root, config)
    return _Segmenter(doc.root, config, hidden).run()
