"""Pages from web archives: the HTML responses in a WARC (or ARC) file, read with warcio.

Crawls come as WARC files, so ``thresher extract crawl.warc.gz`` reads them directly.  Every
``response`` (or ``resource``) record with status 200 and an HTML content type becomes a
:class:`WarcPage`: its payload (chunked transfer and gzip/deflate/brotli content encodings
undone by warcio), its URL, and the charset from its HTTP ``Content-Type`` header, which
:func:`thresher.extract` ranks above the page's ``<meta>`` charset, as a browser does.
Requests, metadata, revisits, redirects, errors, images and scripts are skipped.

A file that is not an archive, or one that breaks off in the middle, raises
:class:`~thresher.errors.InputError` from the iterator *after* the pages read before the damage,
so a batch keeps them.
"""

from __future__ import annotations

import io
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Any, BinaryIO

from thresher.errors import InputError

WARC_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})


@dataclass(frozen=True)
class WarcPage:
    """One HTML response from an archive."""

    content: bytes
    """The HTTP payload, with transfer and content encodings undone."""
    url: str | None
    """``WARC-Target-URI``."""
    http_charset: str | None
    """The charset of the HTTP ``Content-Type`` header, if it names one."""
    record_id: str | None
    """``WARC-Record-ID`` (None in ARC files)."""
    date: str | None
    """``WARC-Date``: when the page was fetched."""
    offset: int
    """Byte offset of the record in the (compressed) file: where to seek to read it again."""


def is_archive(path: str | Path) -> bool:
    return str(path).lower().endswith(WARC_SUFFIXES)


def _content_type(header: str | None) -> tuple[str | None, str | None]:
    """(media type, charset) of a Content-Type header; (None, None) without one."""
    if not header:
        return None, None
    message = Message()
    message["content-type"] = header
    return message.get_content_type(), message.get_content_charset()


def read_warc(source: str | Path | BinaryIO) -> Iterator[WarcPage]:
    """The HTML pages of a WARC or ARC file (plain or gzipped, detected from the bytes), in file order.

    Raises :class:`InputError` once the pages before the damage are out when the file is not an
    archive, or when a record is cut off or bytes are left that no record accounts for (warcio
    itself stops quietly at a cut-off record).
    """
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    name = str(source) if isinstance(source, str | Path) else getattr(source, "name", "archive")
    try:
        stream: BinaryIO = open(source, "rb") if isinstance(source, str | Path) else source  # noqa: SIM115
    except OSError as exc:
        raise InputError(f"{name}: cannot read ({exc.strerror or exc})") from exc
    end = 0
    try:
        head = _peek(stream, 4096)
        gzipped = head.startswith(b"\x1f\x8b")
        if gzipped:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head)
        # warcio reads any five-word first line as an ARC header, so look for the real openings.
        if head.strip() and not head.lstrip().startswith((b"WARC/", b"filedesc://")):
            raise InputError(f"{name}: not a WARC/ARC archive (it starts with {head[:40]!r})")
        records = ArchiveIterator(stream, arc2warc=True)
        for record in records:
            page = _html_page(record)
            content = record.content_stream().read() if page else b""
            offset = records.get_record_offset()  # known once the record is read to its end
            end = offset + records.get_record_length()
            if getattr(record.raw_stream, "limit", 0) > 0:
                raise InputError(f"{name}: the record at offset {offset} is cut off")
            if page:
                url, charset = page
                yield WarcPage(
                    content=content,
                    url=url,
                    http_charset=charset,
                    record_id=record.rec_headers.get_header("WARC-Record-ID"),
                    date=record.rec_headers.get_header("WARC-Date"),
                    offset=offset,
                )
        size = _size(stream)
        if size is not None and size - end > (0 if gzipped else _RECORD_SEPARATOR):
            raise InputError(f"{name}: {size - end} bytes after offset {end} are not a readable record")
    # warcio raises AttributeError on some garbage first lines (a None header it calls .startswith on).
    except (ArchiveLoadFailed, EOFError, ValueError, AttributeError, OSError, zlib.error) as exc:
        raise InputError(f"{name}: not a readable WARC/ARC archive, or damaged ({type(exc).__name__}: {exc})") from exc
    finally:
        if isinstance(source, str | Path):
            stream.close()


_RECORD_SEPARATOR = 4
"""An uncompressed WARC record ends in two CRLFs that warcio leaves out of the record length."""


def _html_page(record: Any) -> tuple[str | None, str | None] | None:
    """(URL, HTTP charset) when the record is a successful HTML response, else None."""
    if record.rec_type == "response":
        headers = record.http_headers
        if headers is None or headers.get_statuscode() != "200":
            return None
        media_type, charset = _content_type(headers.get_header("Content-Type"))
    elif record.rec_type == "resource":  # the file itself; its type is in the WARC header
        media_type, charset = _content_type(record.rec_headers.get_header("Content-Type"))
    else:
        return None
    if media_type not in HTML_TYPES:
        return None
    return record.rec_headers.get_header("WARC-Target-URI"), charset


def _peek(stream: BinaryIO, size: int) -> bytes:
    """The first bytes, without consuming them (b"" when the stream cannot seek back)."""
    if not stream.seekable():
        return b""
    start = stream.tell()
    head = stream.read(size)
    stream.seek(start)
    return head


def _size(stream: BinaryIO) -> int | None:
    try:
        return os.fstat(stream.fileno()).st_size
    except (AttributeError, OSError, io.UnsupportedOperation):
        pass
    try:
        return len(stream.getbuffer())  # type: ignore[attr-defined]
    except AttributeError:
        return None
