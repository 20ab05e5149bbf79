"""A small synthetic corpus in the thresher corpus format, written by the tests themselves.

Pages of a few made-up "sites" (each with its own template and class names) in several
scripts: a menu, a headline, story paragraphs, a related-links list, a comment form, a
latest-news sidebar and a footer.  The truth (``main_text``) is the story paragraphs.
"""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

import numpy as np

from thresher.training.dataset import PageData

ALPHABETS = {
    "en": "abcdefghijklmnopqrstuvwxyz",
    "fa": "ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی",
    "de": "abcdefghijklmnopqrstuvwxyzäöüß",
    "ru": "абвгдежзийклмнопрстуфхцчшщыэюя",
}
SITES = [
    ("news-one.example", "en", {"nav": "main-menu", "body": "article-body", "rel": "related", "side": "latest"}),
    ("khabar.example", "fa", {"nav": "menu", "body": "news-text", "rel": "suggest", "side": "akhbar"}),
    ("zeitung.example", "de", {"nav": "navi", "body": "artikel", "rel": "mehr", "side": "neueste"}),
    ("gazeta.example", "ru", {"nav": "topnav", "body": "content", "rel": "links", "side": "lenta"}),
    ("daily.example", "en", {"nav": "header-nav", "body": "story", "rel": "read-more", "side": "popular"}),
]


def _word(rng: random.Random, lang: str) -> str:
    return "".join(rng.choice(ALPHABETS[lang]) for _ in range(rng.randint(2, 9)))


def _sentence(rng: random.Random, lang: str, lo: int = 8, hi: int = 20) -> str:
    words = [_word(rng, lang) for _ in range(rng.randint(lo, hi))]
    words[0] = words[0].capitalize()
    return " ".join(words) + rng.choice([".", ".", "!", "?"] if lang != "fa" else [".", "؟"])


def _paragraph(rng: random.Random, lang: str) -> str:
    return " ".join(_sentence(rng, lang) for _ in range(rng.randint(2, 5)))


def _headline(rng: random.Random, lang: str) -> str:
    return " ".join(_word(rng, lang) for _ in range(rng.randint(4, 9)))


def make_page(rng: random.Random, site: str, lang: str, cls: dict[str, str], n: int) -> tuple[str, str, str]:
    title = _headline(rng, lang)
    paragraphs = [_paragraph(rng, lang) for _ in range(rng.randint(3, 7))]
    menu = "".join(f'<li><a href="/s{i}">{_word(rng, lang)}</a></li>' for i in range(rng.randint(5, 9)))
    related = "".join(f'<li><a href="/r{n}-{i}">{_headline(rng, lang)}</a></li>' for i in range(rng.randint(3, 6)))
    latest = "".join(
        f'<li><span>12:{i:02d}</span> <a href="/l{i}">{_headline(rng, lang)}</a></li>'
        for i in range(rng.randint(8, 15))
    )
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    direction = ' dir="rtl"' if lang == "fa" else ""
    page = f"""<!DOCTYPE html>
<html lang="{lang}"{direction}><head><meta charset="utf-8"><title>{title} | {site}</title>
<script>var x = "<p>not text</p>";</script><style>.a{{color:red}}</style></head>
<body><header><nav class="{cls["nav"]}"><ul>{menu}</ul></nav></header>
<div class="breadcrumb"><a href="/">{_word(rng, lang)}</a> » <a href="/x">{_word(rng, lang)}</a></div>
<main><article><h1>{title}</h1><div class="meta">12.0{n % 9 + 1}.2024 {_word(rng, lang)}</div>
<div class="{cls["body"]}">{body}</div>
<div class="tags">{_word(rng, lang)}: <a href="/t1">{_word(rng, lang)}</a>, <a href="/t2">{_word(rng, lang)}</a></div>
<section class="{cls["rel"]}"><h3>{_headline(rng, lang)}</h3><ul>{related}</ul></section>
<section class="comments"><h3>{_word(rng, lang)}</h3><form action="/c"><label>{_word(rng, lang)}</label>
<input name="email"><div class="hint">{_sentence(rng, lang, 4, 7)}</div><textarea></textarea>
<button>{_word(rng, lang)}</button></form></section></article>
<aside class="{cls["side"]}"><h3>{_headline(rng, lang)}</h3><ul>{latest}</ul></aside></main>
<footer><p>© 2024 {site} {_word(rng, lang)} {_word(rng, lang)}</p><a href="/about">{_word(rng, lang)}</a></footer>
</body></html>"""
    return page, "\n\n".join(paragraphs), title


def write_corpus(root: Path, pages_per_site: int = 8, seed: int = 7, name: str = "synthetic") -> Path:
    """Write the corpus to ``root/name`` and return that folder."""
    rng = random.Random(seed)
    folder = root / name
    (folder / "pages").mkdir(parents=True, exist_ok=True)
    records = []
    for s, (site, lang, cls) in enumerate(SITES):
        for n in range(pages_per_site):
            html, main_text, title = make_page(rng, site, lang, cls, n)
            page_id = f"s{s}-p{n:02d}"
            (folder / "pages" / f"{page_id}.html.gz").write_bytes(gzip.compress(html.encode("utf-8"), mtime=0))
            records.append(
                {
                    "id": page_id,
                    "orig_name": page_id,
                    "source": name,
                    "url": f"https://{site}/story/{n}",
                    "url_source": "dataset",
                    "lang": lang,
                    "page_type": "article",
                    "title": title,
                    "main_text": main_text,
                    "main_text_is_prefix": False,
                    "main_html": None,
                    "with": [],
                    "without": [],
                    "encoding": "utf-8",
                    "extra": {},
                }
            )
    with (folder / "truth.jsonl").open("w", encoding="utf-8") as fh:
        for rec in sorted(records, key=lambda r: str(r["id"])):
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return folder


def toy_page(
    key: str,
    X: np.ndarray,
    weak: np.ndarray,
    rules: list[str],
    gold: np.ndarray | None = None,
    *,
    group: str | None = None,
    dataset: str = "d",
    containers: np.ndarray | None = None,
    templates: np.ndarray | None = None,
) -> PageData:
    """A parsed page made from arrays (region indexes into REGION_NAMES; -1 in ``gold`` for
    blocks without a hand label): body is whatever ``weak`` calls body."""
    from thresher.regions import REGION_NAMES

    n = len(weak)
    zeros = np.zeros(n, dtype=np.int64)
    return PageData(
        key=key,
        dataset=dataset,
        group=group or key,
        X=X,
        y=(weak == REGION_NAMES.index("body")).astype(int),
        weight=np.ones(n),
        block_texts=["x"] * n,
        block_tags=["p"] * n,
        title="",
        main_text="x",
        with_snippets=[],
        without_snippets=[],
        trainable=True,
        regions=weak,
        region_rules=rules,
        weak=weak,
        gold=np.full(n, -1) if gold is None else gold,
        containers=zeros if containers is None else containers,
        templates=zeros if templates is None else templates,
    )
