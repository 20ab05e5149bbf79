"""Stage 1: decoding and parsing."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from thresher.errors import InputError, ThresherError
from thresher.features.document import decode, parse

FA = "نیروهای ائتلاف بین‌المللی می‌شود"
# windows-1256 has the Arabic yeh and kaf, which Persian pages in that charset use.
FA_1256 = FA.replace("ی", "ي").replace("ک", "ك")


def _page(charset: str | None, text: str = FA) -> str:
    meta = f'<meta charset="{charset}">' if charset else ""
    return f"<html><head>{meta}<title>t</title></head><body><p>{text}</p></body></html>"


def test_utf8_bytes_decode_and_keep_zwnj() -> None:
    text, encoding = decode(_page("utf-8").encode("utf-8"))
    assert encoding == "utf-8"
    assert FA in text and "\u200c" in text


def test_windows_1256_declared_in_meta() -> None:
    # cp1256 encodes U+200C as 0x9D, so the joiners survive the round trip.
    raw = _page("windows-1256", FA_1256).encode("cp1256")
    text, encoding = decode(raw)
    assert encoding == "cp1256"
    assert FA_1256 in text and "\u200c" in text


def test_windows_1256_undeclared_is_detected(persian_html: bytes) -> None:
    page = persian_html.decode("utf-8").replace('<meta charset="utf-8">', "")
    page = page.replace("ی", "ي").replace("ک", "ك")
    text, encoding = decode(page.encode("cp1256", errors="replace"))  # no Persian digits in cp1256
    assert encoding in {"windows-1256", "cp1256"}
    assert FA_1256.split()[0] in text and "\u200c" in text


def test_http_charset_wins_over_guessing() -> None:
    raw = _page(None, "Grüße aus Köln").encode("iso-8859-1")
    text, encoding = decode(raw, http_charset="ISO-8859-1")
    assert "Grüße aus Köln" in text
    assert encoding == "cp1252"  # WHATWG: iso-8859-1 means windows-1252


def test_utf16_with_bom() -> None:
    raw = _page(None).encode("utf-16")
    text, _ = decode(raw)
    assert FA in text


def test_utf8_page_declaring_latin1_is_read_as_utf8() -> None:
    raw = _page("iso-8859-1", "Grüße").encode("utf-8")
    text, encoding = decode(raw)
    assert "Grüße" in text and encoding == "utf-8"


def test_parse_accepts_beautifulsoup_objects() -> None:
    soup = BeautifulSoup(_page("utf-8"), "html.parser")
    for given in (soup, soup.body):
        doc = parse(given)
        assert FA in "".join(doc.root.itertext())


def test_parse_reads_title_and_language() -> None:
    html = '<html lang="fa-IR"><head><meta property="og:title" content=" Og  title "><title>T</title></head></html>'
    doc = parse(html)
    assert doc.title == "Og title"
    assert doc.lang == "fa"


def test_xml_declaration_in_str_input() -> None:
    doc = parse('<?xml version="1.0" encoding="utf-8"?><html><body><p>hello world</p></body></html>')
    assert "hello world" in "".join(doc.root.itertext())


def test_nul_and_lone_surrogates_are_removed() -> None:
    doc = parse("<p>a\x00b \ud800c</p>")
    text = "".join(doc.root.itertext())
    assert "\x00" not in text and "\ud800" not in text and "ab" in text


@pytest.mark.parametrize("junk", [b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, bytes(range(256)) * 50])
def test_binary_input_is_an_input_error(junk: bytes) -> None:
    with pytest.raises(InputError, match="binary"):
        parse(junk)


def test_wrong_type_is_an_input_error() -> None:
    with pytest.raises(ThresherError, match="cannot read a page from int"):
        parse(42)


@pytest.mark.parametrize("empty", [b"", "", "   \n", b"\xef\xbb\xbf"])
def test_empty_input_gives_an_empty_document(empty: str | bytes) -> None:
    doc = parse(empty)
    assert len(doc.root) == 0 and doc.title == ""


def test_url_falls_back_to_canonical_link_then_og_url() -> None:
    canonical = b'<html><head><link rel="canonical" href=" https://news.example/a "></head><body><p>x</p></body></html>'
    og = b'<html><head><meta property="og:url" content="https://news.example/b"></head><body><p>x</p></body></html>'
    assert parse(canonical).url == "https://news.example/a"
    assert parse(og).url == "https://news.example/b"
    assert parse(og, "https://given.example/c").url == "https://given.example/c"
    assert parse(b"<p>no url</p>").url is None
