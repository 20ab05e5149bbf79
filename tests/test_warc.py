"""Web archives: HTML responses read from WARC files, in the library and in `thresher extract`."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from thresher import extract
from thresher.errors import InputError
from thresher.inference.cli import app
from thresher.inference.warc import read_warc

runner = CliRunner()


RUSSIAN = "Москва готовится к зиме."  # short: the charset detector alone reads it wrongly
KOI8_PAGE = f"<html><body><article><p>{RUSSIAN}</p></article></body></html>".encode("koi8-r")
"""A page whose charset only the HTTP header names (no <meta>, no BOM)."""


def _archive(records: list[tuple[str, str, bytes, list[tuple[str, str]]]], compress: bool = True) -> bytes:
    """A WARC with one record per (type, url, payload, HTTP headers); headers ("", status) set the status."""
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=compress)
    writer.write_record(writer.create_warcinfo_record("crawl.warc.gz", {"software": "thresher tests"}))
    for rec_type, url, payload, headers in records:
        if rec_type == "resource":
            record = writer.create_warc_record(
                url, "resource", payload=io.BytesIO(payload), warc_content_type="text/html"
            )
        else:
            status = dict(headers).pop("", "200 OK")
            http = StatusAndHeaders(status, [h for h in headers if h[0]], protocol="HTTP/1.1")
            record = writer.create_warc_record(url, rec_type, payload=io.BytesIO(payload), http_headers=http)
        writer.write_record(record)
    return buffer.getvalue()


HTML = [("Content-Type", "text/html")]


def test_only_successful_html_responses_are_pages() -> None:
    data = _archive(
        [
            ("request", "https://news.example/a", b"", [("", "200 OK")]),
            ("response", "https://news.example/a", KOI8_PAGE, [("Content-Type", "text/html; charset=KOI8-R")]),
            ("response", "https://news.example/logo.png", b"\x89PNG\r\n", [("Content-Type", "image/png")]),
            ("response", "https://news.example/gone", b"<p>Not here</p>", [("", "404 Not Found"), *HTML]),
            ("response", "https://news.example/old", b"", [("", "301 Moved Permanently"), *HTML]),
            (
                "response",
                "https://news.example/gz",
                gzip.compress(b"<p>Zipped</p>"),
                [*HTML, ("Content-Encoding", "gzip")],
            ),
            ("resource", "file:///saved.html", b"<p>Saved by hand</p>", []),
        ]
    )
    pages = list(read_warc(io.BytesIO(data)))
    assert [p.url for p in pages] == ["https://news.example/a", "https://news.example/gz", "file:///saved.html"]
    assert pages[0].content == KOI8_PAGE and pages[0].http_charset == "koi8-r"
    assert pages[1].content == b"<p>Zipped</p>"  # the content encoding is undone
    assert all(p.record_id and p.record_id.startswith("<urn:uuid:") for p in pages)
    assert pages[0].offset < pages[1].offset < pages[2].offset


@pytest.mark.parametrize("compress", [True, False])
def test_a_cut_off_archive_gives_the_pages_before_the_cut_then_an_error(compress: bool) -> None:
    records = [("response", f"https://a.example/{i}", b"<p>page %d</p>" % i * 50, HTML) for i in range(3)]
    data = _archive(records, compress)
    pages: list[str | None] = []
    with pytest.raises(InputError, match=r"cut off|not a readable record"):
        for page in read_warc(io.BytesIO(data[: len(data) - 30])):
            pages.append(page.url)
    assert pages == ["https://a.example/0", "https://a.example/1"]
    assert len(list(read_warc(io.BytesIO(data)))) == 3


def test_a_file_that_is_not_an_archive_is_an_input_error(tmp_path: Path) -> None:
    for not_an_archive in (b"<html><body>a page, not an archive</body></html>", gzip.compress(b"<p>zipped page</p>")):
        with pytest.raises(InputError, match="not a WARC/ARC archive"):
            list(read_warc(io.BytesIO(not_an_archive)))
    with pytest.raises(InputError, match="cannot read"):
        list(read_warc(tmp_path / "missing.warc.gz"))
    assert list(read_warc(io.BytesIO(b""))) == []  # an empty archive holds no pages


def test_extract_reads_archives_and_keeps_the_good_pages_of_a_broken_one(
    persian_html: bytes, persian_expected: str, tmp_path: Path
) -> None:
    crawl = tmp_path / "crawl.warc.gz"
    crawl.write_bytes(
        _archive(
            [
                ("response", "https://fa.example/news/1", persian_html, HTML),
                ("response", "https://fa.example/style.css", b"body{}", [("Content-Type", "text/css")]),
                ("response", "https://ru.example/story", KOI8_PAGE, [("Content-Type", "text/html; charset=koi8-r")]),
            ]
        )
    )
    broken = tmp_path / "broken.warc"
    good = _archive([("response", "https://b.example/ok", persian_html, HTML)], compress=False)
    broken.write_bytes(good + _archive([("response", "https://b.example/cut", persian_html, HTML)], False)[:-500])

    # Two workers: the pages travel to worker processes as WarcPage objects.
    result = runner.invoke(app, ["extract", str(tmp_path), "--format", "json", "--no-blocks", "-j", "2"])
    assert result.exit_code == 1  # one input failed
    records = [json.loads(line) for line in result.stdout.splitlines()]
    by_url = {r["url"]: r for r in records}
    assert sorted(by_url) == ["https://b.example/ok", "https://fa.example/news/1", "https://ru.example/story"]
    assert by_url["https://fa.example/news/1"]["text"] == persian_expected.rstrip("\n")
    assert by_url["https://fa.example/news/1"]["text"] == extract(persian_html).text
    assert by_url["https://ru.example/story"]["text"] == RUSSIAN  # decoded with the HTTP header's charset
    assert by_url["https://b.example/ok"]["source"] == str(broken)
    assert all(r["warc_record_id"].startswith("<urn:uuid:") and r["warc_date"] for r in records)
    assert "1 of 4 inputs failed" in result.stderr and "broken.warc" in result.stderr
