"""Pages per second and peak memory of thresher.extract() beside trafilatura, one core each.

    .venv/bin/python benchmarks/speed.py --corpus ../shared/corpora --pages 600

Each extractor runs in its own fresh process pinned to one CPU core, over the same pages
(read into memory first, so disk is not timed), after one warm-up page.  Printed: pages/s,
milliseconds per page (mean and 95th percentile), peak resident memory of the process, and
the ratio of thresher's pages/s to trafilatura's.

With ``--text``, a row times ``thresher.extract_text`` (plain-text mode) on the same
pages rendered to text first (one line per block, as a naive extractor prints them).

With ``--compiled`` (needs the ``fast`` extra), a row times ``thresher.extract`` with the
models compiled to native code (``load_model(compiled=True)``), and the benchmark checks
that it gives the same text as the plain ``thresher`` row on every page; with ``--text``
too, a ``thresher-text-compiled`` row does the same for the line model.  Compiling, or
loading the compiled models from the cache, happens before the warm-up page and is printed
on its own line, not timed with the pages.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import multiprocessing as mp
import os
import random
import resource
import statistics
import time
from pathlib import Path
from queue import Empty
from typing import Any


def load_pages(corpus: Path, n: int, seed: int) -> list[tuple[bytes, str | None]]:
    records = []
    for truth in sorted(corpus.glob("*/truth.jsonl")):
        for line in truth.open(encoding="utf-8"):
            rec = json.loads(line)
            records.append((truth.parent / "pages" / f"{rec['id']}.html.gz", rec.get("url")))
    random.Random(seed).shuffle(records)
    return [(gzip.decompress(path.read_bytes()), url) for path, url in records[:n]]


def pin_to_one_core() -> None:
    """Run this process on its lowest allowed core only (where the OS supports pinning)."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def _worker(name: str, pages: list[tuple[bytes, str | None]], out: Any) -> None:
    pin_to_one_core()
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"
    setup = 0.0
    if name.startswith("thresher"):  # thresher, thresher-text, and either with -compiled
        from thresher import ThresherError, extract, extract_text, load_model

        text_mode = name.startswith("thresher-text")
        start = time.perf_counter()
        model = load_model(kind="text" if text_mode else "html", compiled=name.endswith("-compiled"))
        setup = time.perf_counter() - start

        def run(raw: bytes, url: str | None) -> str:
            try:
                return (extract_text(raw, model=model) if text_mode else extract(raw, url, model=model)).text
            except ThresherError:
                return ""
    else:
        import trafilatura

        def run(raw: bytes, url: str | None) -> str:
            return trafilatura.extract(raw, url=url) or ""

    run(*pages[0])  # warm-up: imports, model loading, caches
    warm_rss = _rss_mb()
    times = []
    texts = []
    for raw, url in pages:
        start = time.perf_counter()
        texts.append(run(raw, url))
        times.append(time.perf_counter() - start)
    out.put(
        {
            "name": name,
            "times": times,
            "chars": sum(map(len, texts)),
            "digest": hashlib.sha256("\0".join(texts).encode("utf-8")).hexdigest(),
            "setup_s": setup,
            "warm_rss_mb": warm_rss,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }
    )


def as_text(pages: list[tuple[bytes, str | None]]) -> list[tuple[bytes, str | None]]:
    """Each page as a naive extractor's text: one line per block."""
    from thresher import ThresherError
    from thresher.features import parse, segment

    out = []
    for raw, url in pages:
        try:
            text = "\n".join(b.text for b in segment(parse(raw, url)))
        except ThresherError:
            text = ""
        out.append((text.encode("utf-8"), url))
    return out


def _rss_mb() -> float:
    """Current resident memory of this process (Linux /proc)."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def measure(name: str, pages: list[tuple[bytes, str | None]]) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_worker, args=(name, pages, queue))
    proc.start()
    while True:  # a worker that dies must not leave us waiting forever
        try:
            return dict(queue.get(timeout=5))
        except Empty:
            if not proc.is_alive():
                raise RuntimeError(f"the {name} worker died (exit code {proc.exitcode}); see its error above") from None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "corpora")
    parser.add_argument("--pages", type=int, default=600)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--text", action="store_true", help="also time plain-text mode (extract_text)")
    parser.add_argument("--compiled", action="store_true", help="also time thresher with compiled models (fast extra)")
    args = parser.parse_args()
    pages = load_pages(args.corpus, args.pages, args.seed)
    size = sum(len(raw) for raw, _ in pages) / 1e6
    print(f"{len(pages)} pages ({size:.1f} MB of HTML) from {args.corpus}, one core per extractor")
    rows = {name: measure(name, pages) for name in ("thresher", "trafilatura")}
    texts = as_text(pages) if args.text else []
    if args.text:
        rows["thresher-text"] = measure("thresher-text", texts)
    if args.compiled:
        rows["thresher-compiled"] = measure("thresher-compiled", pages)
        if args.text:
            rows["thresher-text-compiled"] = measure("thresher-text-compiled", texts)
        for name in [n for n in rows if n.endswith("-compiled")]:
            plain = name.removesuffix("-compiled")
            same = rows[name]["digest"] == rows[plain]["digest"]
            print(
                f"{name}: models ready in {rows[name]['setup_s']:.1f} s (compiled or read from the cache); "
                f"texts {'identical to' if same else 'DIFFER from'} {plain}'s on all {len(pages)} pages"
            )
    print("(memory: RSS after warm-up, which includes the pages held in memory, and the peak)")
    print(
        f"{'extractor':<22} {'pages/s':>8} {'ms/page':>8} {'p95 ms':>8} {'warm RSS MB':>12} {'peak RSS MB':>12}"
        f" {'text MB':>8}"
    )
    for name, r in rows.items():
        times = r["times"]
        pps = len(times) / sum(times)
        p95 = statistics.quantiles(times, n=20)[-1] * 1000
        print(
            f"{name:<22} {pps:8.1f} {1000 / pps:8.1f} {p95:8.1f} {r['warm_rss_mb']:12.0f} {r['peak_rss_mb']:12.0f}"
            f" {r['chars'] / 1e6:8.2f}"
        )
    rate = {name: len(r["times"]) / sum(r["times"]) for name, r in rows.items()}
    for name in rows:
        if name != "trafilatura":
            print(f"{name} / trafilatura pages/s: {rate[name] / rate['trafilatura']:.2f}x")


if __name__ == "__main__":
    main()
