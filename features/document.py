"""Stage 1: bytes / str / BeautifulSoup → :class:`Document` (an lxml tree plus page metadata).

Decoding order for bytes follows what browsers do: a byte-order mark, then the charset the
HTTP header or the page's own ``<meta>`` declares, then strict UTF-8, then a statistical
charset detector (beautifulsoup4's, backed by charset-normalizer).
"""

from __future__ import annotations

import codecs
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from bs4.dammit import EncodingDetector, UnicodeDammit
from lxml import etree

from thresher.config import DEFAULT_CONFIG, SegmentationConfig
from thresher.errors import InputError

# Characters that may not reach lxml or the output: NUL and other C0 controls except
# tab/newline/carriage return, and lone surrogates (from badly decoded str input).
_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Every byte except C0 controls other than tab, newline, vertical tab, form feed, CR.
_NOT_CONTROL = bytes(b for b in range(256) if not (b < 9 or 13 < b < 32))
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>")
_LOOKS_LIKE_MARKUP = re.compile(r"<\s*[a-zA-Z!?/]")
_HTML_END = re.compile(r"</html\s*>", re.IGNORECASE)
_DOCUMENT_ENDS = re.compile(r"</(?:body|html)\s*>", re.IGNORECASE)
_ELEMENT_START = re.compile(r"<\s*[a-zA-Z]")
# WHATWG: these labels mean windows-1252 in HTML.
_ENCODING_ALIASES = {
    "iso-8859-1": "windows-1252",
    "latin-1": "windows-1252",
    "ascii": "windows-1252",
    "us-ascii": "windows-1252",
    "latin1": "windows-1252",
}


@dataclass
class Document:
    """A parsed page: the lxml root and what the page says about itself."""

    root: Any  # lxml.etree._Element (lxml ships no usable type stubs)
    url: str | None
    """The URL given by the caller, else the page's canonical link or ``og:url`` (None if neither)."""
    title: str
    """``og:title`` or ``<title>`` text, whitespace-collapsed ('' when the page has none)."""
    lang: str | None
    encoding: str | None
    """The encoding the bytes were decoded with (None for str input)."""
    problems: list[str] = field(default_factory=list)
    """What went wrong while parsing (e.g. nesting deeper than libxml2's 2048 levels)."""


def _normalise_encoding(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().lower()
    name = _ENCODING_ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode(data: bytes, http_charset: str | None = None) -> tuple[str, str]:
    """Decode page bytes to text; return ``(text, encoding)``.

    Raises InputError when no encoding decodes the bytes.
    """
    bom_text, bom_encoding = EncodingDetector.strip_byte_order_mark(data)
    if bom_encoding:
        return bom_text.decode(bom_encoding, errors="replace"), bom_encoding
    declared = _normalise_encoding(http_charset) or _normalise_encoding(
        EncodingDetector.find_declared_encoding(data[:8192], is_html=True, search_entire_document=False)
    )
    # Pages that declare one charset but are valid UTF-8 are common (templates copied
    # between sites); UTF-16/32 declarations inside an 8-bit page are always wrong.
    if declared and not declared.startswith(("utf-16", "utf-32")):
        if declared != "utf-8":
            try:
                data.decode("utf-8")
                if not _is_ascii(data):
                    return data.decode("utf-8"), "utf-8"
            except UnicodeDecodeError:
                pass
        try:
            return data.decode(declared), declared
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    dammit = UnicodeDammit(data, is_html=True)
    if dammit.unicode_markup is None or dammit.original_encoding is None:
        raise InputError("could not decode the page bytes with any known encoding")
    return dammit.unicode_markup, str(dammit.original_encoding)


def _is_ascii(data: bytes) -> bool:
    try:
        data.decode("ascii")
    except UnicodeDecodeError:
        return False
    return True


def _meta_content(root: Any, *names: str) -> str | None:
    for el in root.iter("meta"):
        key = (el.get("property") or el.get("name") or "").strip().lower()
        if key in names:
            content = el.get("content")
            if content and content.strip():
                return " ".join(content.split())
    return None


def _page_url(root: Any) -> str | None:
    for el in root.iter("link"):
        if (el.get("rel") or "").lower() == "canonical" and el.get("href"):
            return str(el.get("href")).strip()
    return _meta_content(root, "og:url") or None


def _page_title(root: Any) -> str:
    og = _meta_content(root, "og:title", "twitter:title")
    if og:
        return og
    for el in root.iter("title"):
        return " ".join("".join(el.itertext()).split())
    return ""


_THREAD = threading.local()


def _parser() -> Any:
    """One parser per thread (its error log is per parser).  Plain etree elements, because
    lxml.html's element classes cost a Python look-up per node."""
    parser = getattr(_THREAD, "parser", None)
    if parser is None:
        parser = _THREAD.parser = etree.HTMLParser(
            remove_comments=True, remove_pis=True, huge_tree=True, collect_ids=False
        )
    return parser


def parse(
    page: str | bytes | Any,
    url: str | None = None,
    *,
    http_charset: str | None = None,
    config: SegmentationConfig = DEFAULT_CONFIG.segmentation,
) -> Document:
    """Parse a page given as ``str``, ``bytes``, or a BeautifulSoup object/Tag.

    Returns a Document whose root has no children when the input holds no markup text
    (empty input); raises InputError for input that is not a page at all (binary junk,
    a type thresher cannot read, or more than ``config.max_input_bytes``).
    """
    encoding: str | None = None
    if isinstance(page, bytes | bytearray | memoryview):
        data = bytes(page)
        if len(data) > config.max_input_bytes:
            raise InputError(f"page is {len(data):,} bytes, more than max_input_bytes={config.max_input_bytes:,}")
        if _looks_binary(data):
            raise InputError("input is binary data, not an HTML page")
        text, encoding = decode(data, http_charset)
    elif isinstance(page, str):
        text = page
    elif _is_soup(page):
        text = str(page)
    else:
        raise InputError(f"cannot read a page from {type(page).__name__}; give str, bytes or a BeautifulSoup object")
    if len(text) > config.max_input_bytes:
        raise InputError(f"page is {len(text):,} characters, more than max_input_bytes={config.max_input_bytes:,}")
    text = _BAD_CHARS.sub("", text)
    if text.startswith("\ufeff"):
        text = text[1:]
    # lxml refuses str input that carries an XML encoding declaration (XHTML pages).
    text = _XML_DECLARATION.sub("", text, count=1)
    if not text.strip():
        return _empty(url, encoding)
    text = _without_early_end(text)
    if not _LOOKS_LIKE_MARKUP.search(text[:65536]):
        kind = "mostly non-text characters" if _looks_binary_text(text) else "plain text"
        raise InputError(f"input is not HTML: no markup found ({kind})")
    parser = _parser()
    try:
        root = etree.fromstring(text, parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        # lxml raises on documents with nothing it can parse (e.g. only a comment).
        if "empty" in str(exc).lower():
            return _empty(url, encoding)
        raise InputError(f"could not parse the page as HTML: {exc}") from exc
    if root is None:
        return _empty(url, encoding)
    lang = (root.get("lang") or "").split("-")[0].lower() or None
    problems = [
        f"parsing stopped early: {e.message.strip()}" for e in parser.error_log if e.type_name == "ERR_RESOURCE_LIMIT"
    ]
    return Document(
        root=root, url=url or _page_url(root), title=_page_title(root), lang=lang, encoding=encoding, problems=problems
    )


def _without_early_end(text: str) -> str:
    """The page without its ``</body>``/``</html>`` tags when elements follow ``</html>``.

    libxml2 stops building the tree at ``</html>``, while a browser puts what follows into the
    body; some templates print their whole article after it (modern-2025/0310).
    """
    end = _HTML_END.search(text)
    if end is None or not _ELEMENT_START.search(text, end.end()):
        return text
    return _DOCUMENT_ENDS.sub("", text)


def _empty(url: str | None, encoding: str | None) -> Document:
    return Document(root=etree.Element("html"), url=url, title="", lang=None, encoding=encoding)


def _is_soup(obj: Any) -> bool:
    try:
        from bs4.element import Tag
    except ImportError:  # pragma: no cover - bs4 is a dependency
        return False
    return isinstance(obj, Tag)


def _looks_binary(data: bytes) -> bool:
    """True for bytes that are clearly not a text document (images, archives, random data)."""
    head = data[:4096]
    if not head:
        return False
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")):
        return False  # a byte-order mark: UTF-16/UTF-8 text
    if head.startswith((b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"%PDF", b"\x1f\x8b")):
        return True
    controls = len(head.translate(None, _NOT_CONTROL))
    return controls / len(head) > 0.05


def _looks_binary_text(text: str) -> bool:
    sample = text[:4096]
    odd = sum(1 for ch in sample if not (ch.isprintable() or ch.isspace()))
    return odd / max(1, len(sample)) > 0.05
