"""What reading pages from a web archive costs: thresher over a WARC beside the same pages as files.

    .venv/bin/python benchmarks/warc.py --corpus ../shared/corpora --pages 300

Writes the pages (a seeded sample of the corpora) into a temporary gzipped WARC, one response
record each with its HTTP headers, and as ``.html`` files in a temporary folder; nothing is
written into the project.  Then, in this one process, after one warm-up page:

* ``files``: read each file and ``thresher.extract`` it;
* ``warc``: ``thresher.read_warc`` the archive and ``extract`` each page;
* ``warc-read``: ``read_warc`` alone, to show the reader's own share.

Printed: pages/s of each row, the ratio of ``warc`` to ``files``, and whether the two gave the
same text on every page (they must: the WARC adds only the HTTP charset, which these pages'
``<meta>`` or UTF-8 already give).
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
from pathlib import Path

from speed import load_pages
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter


def http_uri(url: str | None, i: int) -> str:
    """The page's URL, or a stand-in: warcio reads HTTP headers only for http(s) URIs, and some
    corpus records name a test file instead."""
    return url if url and url.startswith(("http://", "https://")) else f"https://example.invalid/page/{i}"


def write_warc(pages: list[tuple[bytes, str]], path: Path) -> None:
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        for html, uri in pages:
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
            record = writer.create_warc_record(uri, "response", payload=io.BytesIO(html), http_headers=headers)
            writer.write_record(record)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=Path("../shared/corpora"))
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    from thresher import extract, read_warc

    pages = [(html, http_uri(url, i)) for i, (html, url) in enumerate(load_pages(args.corpus, args.pages, args.seed))]
    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / "crawl.warc.gz"
        write_warc(pages, archive)
        files = []
        for i, (html, _) in enumerate(pages):
            files.append(Path(tmp) / f"{i:05d}.html")
            files[-1].write_bytes(html)
        extract(pages[0][0])  # warm-up: loads the model

        started = time.perf_counter()
        from_files = [extract(path.read_bytes(), url=url).text for path, (_, url) in zip(files, pages, strict=True)]
        t_files = time.perf_counter() - started

        started = time.perf_counter()
        from_warc = [extract(p.content, url=p.url, http_charset=p.http_charset).text for p in read_warc(archive)]
        t_warc = time.perf_counter() - started

        started = time.perf_counter()
        n_read = sum(1 for _ in read_warc(archive))
        t_read = time.perf_counter() - started
        size = archive.stat().st_size

    n = len(pages)
    print(f"{n} pages, archive {size / 1e6:.1f} MB gzipped")
    print(f"files      {n / t_files:8.1f} pages/s")
    print(f"warc       {n / t_warc:8.1f} pages/s   ({t_warc / t_files:.3f}x the time of files)")
    print(f"warc-read  {n_read / t_read:8.1f} pages/s   ({t_read / t_warc:.1%} of the warc row's time)")
    same = sum(a == b for a, b in zip(from_files, from_warc, strict=True))
    print(f"same text on {same} of {n} pages")


if __name__ == "__main__":
    main()
