"""Plain-text mode, stages 2-3: text → lines → line feature matrix.  Every line feature is declared here.

Corpora built with naive extractors hold text, not HTML: the story's paragraphs followed by
source lines, tags, related and latest headlines, one per line.  A line plays the part of a
block.  Features use only what survives in text (length, punctuation, digits, repetition,
runs of headline-like lines, position, the line's first words hashed), so they work in any
script.  Two word lists carry rare languages over: the multilingual heading vocabulary the
HTML model reads too (``data/region_vocabulary.json``), which names a list's kind from its
label line ("Related news", "آخرین اخبار"), and the form phrases (``data/form_vocabulary.json``).

Like :mod:`thresher.features.registry`, each feature has a name, a one-line meaning and a
probe: two texts in which the line containing ``TARGET`` must score higher in the first.
``tests/test_lines.py`` runs every probe, so adding a line feature touches only this file.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from thresher.config import DEFAULT_CONFIG, FeatureConfig
from thresher.features.registry import feature_columns, hashed, shift_context
from thresher.features.tokens import SENTENCE_END, collapse_ws, tokens
from thresher.vocabulary import load_form_phrases, load_metadata_phrases, load_vocabulary

FloatArray = np.ndarray
_NEWLINES = re.compile(r"\r\n|[\r\n\u2028\u2029\x0b\x0c\x85]")


@dataclass(frozen=True)
class Line:
    """One non-empty line of a text, with the blank lines around it (paragraph breaks)."""

    text: str
    blank_before: bool
    blank_after: bool


def split_lines(text: str) -> list[Line]:
    """Non-empty lines of ``text``, white space collapsed; blank lines become flags."""
    raw = [collapse_ws(line) for line in _NEWLINES.split(text)]
    out: list[Line] = []
    for i, line in enumerate(raw):
        if line:
            before = i > 0 and not raw[i - 1]
            after = i + 1 < len(raw) and not raw[i + 1]
            out.append(Line(line, before, after))
    return out


_QUOTES = re.compile("[\"'«»“”„‘’‹›「」『』]")
_DIGIT = re.compile(r"\d")
_COMMA = re.compile("[,،、，;؛]")
# Times (14:52), dates (2024-05-01, 05/01/24, 1404/9/5): digit groups joined by : / - .
_DATE_TIME = re.compile(r"\d{1,4}[:/.\-]\d{1,2}(?:[:/.\-]\d{1,4})?")
# A label before a colon at the start ("Source:", "Tags:", "منبع:"): metadata lines.
_LABEL_COLON = re.compile(r"^\W*\w+(?:[ \u200c]\w+)?\s*[:：]")
_BULLET = re.compile(r"^(?:[-–—•*·▪►»]|\d{1,3}[.)])\s")


_LABEL_MAX_TOKENS = 8
"""A line this short can be a list's label ("Related news")."""
_PROSE_MIN_TOKENS = 20
"""A line this long is prose: it ends the list a label opened."""
_LINE_WORDS = 8
"""Words at the start of a line that ``line_words`` hashes."""


def headline_runs(headline_like: np.ndarray, list_kind: np.ndarray | None = None) -> np.ndarray:
    """Run id per line from its ``headline_like`` flags (the feature column): consecutive
    headline-like lines share one, every other line has its own.  A run is the plain-text
    stand-in for the parent element that container voting unites.

    ``list_kind`` (optional, one code per line, e.g. from the ``list_kind_*`` columns) also
    starts a new run wherever it changes: a naive extractor writes a "Related" list straight
    after a "Latest" one, and one run over both would pull each list towards the other."""
    flags = np.asarray(headline_like, dtype=bool)
    starts = np.ones(len(flags), dtype=bool)
    starts[1:] = ~(flags[1:] & flags[:-1])
    if list_kind is not None:
        kind = np.asarray(list_kind)
        starts[1:] |= kind[1:] != kind[:-1]
    return np.cumsum(starts) - 1


def matrix_runs(X: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """:func:`headline_runs` read off a line feature matrix ``X`` with columns ``names``: the
    ``headline_like`` flags, broken where the ``list_kind_*`` columns change."""
    kind = X[:, names.index("list_kind_suggested")] + 2 * X[:, names.index("list_kind_latest")]
    return headline_runs(X[:, names.index("headline_like")], kind)


@dataclass
class LineTable:
    """Column view of one text's lines (what line features read)."""

    lines: Sequence[Line]
    title: str
    config: FeatureConfig

    @cached_property
    def n(self) -> int:
        return len(self.lines)

    @cached_property
    def token_lists(self) -> list[list[str]]:
        return [tokens(line.text) for line in self.lines]

    @cached_property
    def n_tokens(self) -> FloatArray:
        return np.fromiter((len(t) for t in self.token_lists), float, self.n)

    @cached_property
    def n_chars(self) -> FloatArray:
        return np.fromiter((len(line.text) for line in self.lines), float, self.n)

    @cached_property
    def ends_sentence(self) -> FloatArray:
        return np.fromiter((line.text.rstrip("\"'»”’)]")[-1:] in SENTENCE_END for line in self.lines), float, self.n)

    @cached_property
    def headline_like(self) -> FloatArray:
        """Short lines without final punctuation: list items, headings, labels."""
        short = (self.n_tokens <= self.config.headline_max_tokens) & (self.ends_sentence == 0)
        return short.astype(float)

    @cached_property
    def runs(self) -> np.ndarray:
        return headline_runs(self.headline_like)

    def count(self, pattern: re.Pattern[str]) -> FloatArray:
        return np.fromiter((len(pattern.findall(line.text)) for line in self.lines), float, self.n)

    def matches(self, pattern: re.Pattern[str]) -> FloatArray:
        return np.fromiter((pattern.search(line.text) is not None for line in self.lines), float, self.n)

    @cached_property
    def token_sets(self) -> list[set[str]]:
        return [set(t) for t in self.token_lists]

    @cached_property
    def list_kinds(self) -> list[str | None]:
        """Per line, the kind (``suggested``/``latest``) named by the nearest short label line
        above it that uses a list's words ("Related news", "آخرین اخبار"); prose ends it."""
        vocab = load_vocabulary()
        kinds: list[str | None] = []
        kind: str | None = None
        for n_tokens, line in zip(self.n_tokens.tolist(), self.lines, strict=True):
            if 0 < n_tokens <= _LABEL_MAX_TOKENS:
                kind = vocab.heading_kind(line.text[:200]) or kind
            elif n_tokens >= _PROSE_MIN_TOKENS:
                kind = None
            kinds.append(kind)
        return kinds


Compute = Callable[[LineTable], FloatArray]


@dataclass(frozen=True)
class LineFeature:
    name: str
    meaning: str
    compute: Compute
    probe: tuple[str, str]
    """(text where the TARGET line scores higher, text where it scores lower)."""
    probe_title: str = ""
    """The title given with both probe texts."""
    width: int | str = 1
    """Columns the feature fills: a number, or the name of the ``FeatureConfig`` field that sets it."""
    suffixes: tuple[str, ...] | None = None
    """Names of the columns of a multi-column feature (default: 0, 1, 2, ...)."""
    probe_column: str | None = None
    """The column the probe compares (default: the sum of all columns)."""

    def column_names(self, config: FeatureConfig) -> list[str]:
        width = int(getattr(config, self.width)) if isinstance(self.width, str) else self.width
        return feature_columns(self.name, width, self.suffixes)


LINE_REGISTRY: list[LineFeature] = []


def line_feature(
    name: str,
    meaning: str,
    probe: tuple[str, str],
    probe_title: str = "",
    width: int | str = 1,
    suffixes: tuple[str, ...] | None = None,
    probe_column: str | None = None,
) -> Callable[[Compute], Compute]:
    """Declare a line feature (decorator)."""

    def register(fn: Compute) -> Compute:
        if any(f.name == name for f in LINE_REGISTRY):
            raise ValueError(f"line feature {name!r} declared twice")
        LINE_REGISTRY.append(LineFeature(name, meaning, fn, probe, probe_title, width, suffixes, probe_column))
        return fn

    return register


_PARA = "The storm reached the coast on Monday and cut power to thousands of homes, officials said."

# --- the line itself ----------------------------------------------------------------------------


@line_feature("log_tokens", "log(1 + tokens in the line)", (f"TARGET {_PARA}", "TARGET"))
def _log_tokens(t: LineTable) -> FloatArray:
    return np.log1p(t.n_tokens)


@line_feature("log_chars", "log(1 + characters in the line)", ("TARGET is longer", "TARGET"))
def _log_chars(t: LineTable) -> FloatArray:
    return np.log1p(t.n_chars)


@line_feature("ends_sentence", "1 when the line ends with sentence-end punctuation", ("TARGET ends.", "TARGET ends"))
def _ends_sentence(t: LineTable) -> FloatArray:
    return t.ends_sentence


@line_feature(
    "sentence_rate", "sentence-end marks per token (prose has several)", ("TARGET one. Two. Three.", "TARGET one two")
)
def _sentence_rate(t: LineTable) -> FloatArray:
    marks = np.fromiter((sum(c in SENTENCE_END for c in line.text) for line in t.lines), float, t.n)
    return marks / np.maximum(t.n_tokens, 1)


@line_feature("comma_rate", "commas per token", ("TARGET, one, two", "TARGET one two"))
def _comma_rate(t: LineTable) -> FloatArray:
    return t.count(_COMMA) / np.maximum(t.n_tokens, 1)


@line_feature("quote_rate", "quote marks per token (reported speech)", ('TARGET said "yes"', "TARGET said yes"))
def _quote_rate(t: LineTable) -> FloatArray:
    return t.count(_QUOTES) / np.maximum(t.n_tokens, 1)


@line_feature("digit_share", "share of characters that are digits", ("TARGET 14:52 2024", "TARGET at noon"))
def _digit_share(t: LineTable) -> FloatArray:
    return t.count(_DIGIT) / np.maximum(t.n_chars, 1)


@line_feature("has_date_time", "1 when the line holds a time or date (14:52, 2024-05-01)", ("TARGET 14:52", "TARGET"))
def _has_date_time(t: LineTable) -> FloatArray:
    return t.matches(_DATE_TIME)


@line_feature(
    "label_colon", "1 when the line starts with a short label and a colon (Source:, Tags:)", ("TARGET: x", "TARGET x")
)
def _label_colon(t: LineTable) -> FloatArray:
    return t.matches(_LABEL_COLON)


@line_feature("bullet", "1 when the line starts with a list marker", ("- TARGET", "TARGET"))
def _bullet(t: LineTable) -> FloatArray:
    return t.matches(_BULLET)


@line_feature(
    "title_case_share",
    "share of tokens that start with a capital (headline style; 0 in scripts without case)",
    ("TARGET Storm Hits Coast", "TARGET storm hits coast"),
)
def _title_case_share(t: LineTable) -> FloatArray:
    def share(text: str) -> float:
        words = text.split()
        return sum(w[:1].isupper() for w in words) / len(words) if words else 0.0

    return np.fromiter((share(line.text) for line in t.lines), float, t.n)


@line_feature("short_token_share", "share of tokens with at most 3 characters", ("TARGET a b c", "TARGET words here"))
def _short_token_share(t: LineTable) -> FloatArray:
    return np.fromiter((sum(len(w) <= 3 for w in ts) / max(1, len(ts)) for ts in t.token_lists), float, t.n)


@line_feature("headline_like", "1 for a short line without final punctuation", ("TARGET headline", f"TARGET {_PARA}"))
def _headline_like(t: LineTable) -> FloatArray:
    return t.headline_like


# --- the text around it ----------------------------------------------------------------------


@line_feature(
    "headline_run",
    "log(1 + length of the run of headline-like lines the line is in): link lists are long runs",
    ("a\nb\nTARGET\nc\nd", f"{_PARA}\nTARGET\n{_PARA}"),
)
def _headline_run(t: LineTable) -> FloatArray:
    size = np.bincount(t.runs)[t.runs].astype(float)
    return np.log1p(np.where(t.headline_like > 0, size, 0.0))


@line_feature(
    "repeats",
    "log(1 + other lines with the same text): latest and suggested lists repeat headlines",
    ("TARGET x\nTARGET x", "TARGET x\nother"),
)
def _repeats(t: LineTable) -> FloatArray:
    counts = Counter(line.text for line in t.lines)
    return np.log1p(np.fromiter((counts[line.text] - 1 for line in t.lines), float, t.n))


@line_feature("blank_before", "1 when a blank line precedes the line (paragraph break)", ("x\n\nTARGET", "x\nTARGET"))
def _blank_before(t: LineTable) -> FloatArray:
    return np.fromiter((line.blank_before for line in t.lines), float, t.n)


@line_feature("blank_after", "1 when a blank line follows the line", ("TARGET\n\nx", "TARGET\nx"))
def _blank_after(t: LineTable) -> FloatArray:
    return np.fromiter((line.blank_after for line in t.lines), float, t.n)


@line_feature("relative_position", "line index / number of lines", ("a\nb\nTARGET", "TARGET\na\nb"))
def _relative_position(t: LineTable) -> FloatArray:
    return np.arange(t.n) / max(1, t.n - 1)


@line_feature("lines_from_start", "log(1 + lines before this one)", ("a\nb\nTARGET", "TARGET\na\nb"))
def _lines_from_start(t: LineTable) -> FloatArray:
    return np.log1p(np.arange(t.n, dtype=float))


@line_feature("lines_from_end", "log(1 + lines after this one)", ("TARGET\na\nb", "a\nb\nTARGET"))
def _lines_from_end(t: LineTable) -> FloatArray:
    return np.log1p(np.arange(t.n, dtype=float)[::-1])


@line_feature(
    "tokens_before_share",
    "share of the text's tokens in the lines before this one (the story comes first)",
    (f"{_PARA}\nTARGET", f"TARGET\n{_PARA}"),
)
def _tokens_before_share(t: LineTable) -> FloatArray:
    total = max(1.0, float(t.n_tokens.sum()))
    return (np.cumsum(t.n_tokens) - t.n_tokens) / total


@line_feature(
    "size_vs_longest", "tokens / tokens of the longest line", (f"TARGET {_PARA}\n{_PARA}", f"TARGET\n{_PARA}")
)
def _size_vs_longest(t: LineTable) -> FloatArray:
    return t.n_tokens / max(1.0, float(t.n_tokens.max()))


@line_feature(
    "window_tokens",
    "log(1 + mean tokens of the 5 lines centred on this one): prose sits among long lines",
    (f"{_PARA}\n{_PARA}\nTARGET\n{_PARA}\n{_PARA}", "a\nb\nTARGET\nc\nd"),
)
def _window_tokens(t: LineTable) -> FloatArray:
    padded = np.pad(t.n_tokens, 2, mode="constant")
    window = np.convolve(padded, np.ones(5) / 5.0, mode="valid")
    return np.log1p(window)


@line_feature(
    "prose_before_share",
    "share of the text's sentence-ending lines (by tokens) that lie before this one",
    (f"{_PARA}\n{_PARA}\nTARGET", f"TARGET\n{_PARA}\n{_PARA}"),
)
def _prose_before_share(t: LineTable) -> FloatArray:
    prose = t.n_tokens * t.ends_sentence
    total = max(1.0, float(prose.sum()))
    return (np.cumsum(prose) - prose) / total


@line_feature(
    "first_lines_overlap",
    "share of the line's tokens found in the text's first three lines (the lead)",
    ("storm coast power\nx\ny\nTARGET storm coast", "storm coast power\nx\ny\nTARGET other words"),
)
def _first_lines_overlap(t: LineTable) -> FloatArray:
    lead: set[str] = set().union(*t.token_sets[:3]) if t.n else set()
    out = np.fromiter((len(s & lead) / max(1, len(s)) for s in t.token_sets), float, t.n)
    out[: min(3, t.n)] = 1.0  # the lead overlaps itself
    return out


@line_feature(
    "title_overlap",
    "share of the title's tokens found in the line (0 without a title)",
    ("TARGET storm hits coast", "TARGET weather"),
    probe_title="Storm hits coast",
)
def _title_overlap(t: LineTable) -> FloatArray:
    title = set(tokens(t.title))
    if not title:
        return np.zeros(t.n)
    return np.fromiter((len(s & title) / len(title) for s in t.token_sets), float, t.n)


@line_feature(
    "list_kind",
    "1 in column suggested/latest when the nearest short label line above (or the line) uses that list's words",
    ("Related news\nTARGET x", "Latest news\nTARGET x"),
    width=2,
    suffixes=("suggested", "latest"),
    probe_column="list_kind_suggested",
)
def _list_kind(t: LineTable) -> FloatArray:
    # The heading words are the best clue to a list's kind, and they survive in text; the
    # multilingual vocabulary (data/region_vocabulary.json) is the same one the HTML model reads.
    return np.array([[kind == "suggested", kind == "latest"] for kind in t.list_kinds], dtype=float).reshape(t.n, 2)


@line_feature(
    "form_words",
    "1 when the line uses a form's words (data/form_vocabulary.json: 'Leave a reply', 'آدرس ایمیل')",
    ("TARGET Leave a reply", "TARGET Latest news"),
)
def _form_words(t: LineTable) -> FloatArray:
    # A form keeps only its heading, prompts and button labels in text, and in a rare language
    # the hashed line words have seen none of them: a multilingual list carries them over.
    phrases = load_form_phrases()
    return np.fromiter((phrases.in_text(line.text[:200]) for line in t.lines), float, t.n)


@line_feature(
    "metadata_words",
    "1 when the line opens with a metadata label (data/metadata_vocabulary.json: 'Tags:', 'منبع')",
    ("Tags: TARGET news", "TARGET news and tags"),
)
def _metadata_words(t: LineTable) -> FloatArray:
    # Source, tag and byline lines open with a label in the site's language; the hashed line
    # words learn the labels of the corpus languages only, so a multilingual list carries the
    # rest over (the founding Persian text's "برچسب ها:" tag line).
    phrases = load_metadata_phrases()
    return np.fromiter((phrases.opens(line.text[:80]) for line in t.lines), float, t.n)


@line_feature(
    "line_words",
    "hashed first words of the line: the fixed wording of forms, footers and share bars",
    ("TARGET Leave a reply", "TARGET"),
    width="line_word_buckets",
)
def _line_words(t: LineTable) -> FloatArray:
    # Boilerplate lines are worded alike on every site ("Your email address will not be
    # published", "Tags:", "© 2024"), but in the site's own language, so they are learnt from
    # the corpus rather than listed.  The first words carry the label.  Prose lines get none:
    # their openings are the story's own, and hashing them let the model learn a site's
    # sentence openings (held-out main F1 on readability 0.893 with them, 0.903 without,
    # paragraphs rendering).
    return hashed(
        [tuple(words[:_LINE_WORDS]) if len(words) < _PROSE_MIN_TOKENS else () for words in t.token_lists],
        t.config.line_word_buckets,
    )


# --- context: the same signals for the neighbouring lines -----------------------------------------

LINE_CONTEXT_OF = ("log_tokens", "ends_sentence", "headline_like", "digit_share", "blank_before", "label_colon")
"""Line features copied from the lines at ``FeatureConfig.line_context_offsets`` (NaN past the ends)."""


def line_column_names(config: FeatureConfig = DEFAULT_CONFIG.features) -> list[str]:
    """Names of the line feature matrix's columns, in order."""
    names = [column for f in LINE_REGISTRY for column in f.column_names(config)]
    names += [f"{name}@{off:+d}" for off in config.line_context_offsets for name in LINE_CONTEXT_OF]
    return names


def line_feature_matrix(
    lines: Sequence[Line], title: str | None = None, config: FeatureConfig = DEFAULT_CONFIG.features
) -> FloatArray:
    """The (n_lines, n_features) float32 matrix; columns as :func:`line_column_names`."""
    if not lines:
        return np.zeros((0, len(line_column_names(config))), dtype=np.float32)
    table = LineTable(lines, title or "", config)
    by_name = {f.name: f.compute(table) for f in LINE_REGISTRY}
    columns = [column for values in by_name.values() for column in np.atleast_2d(values.T)]
    for off in config.line_context_offsets:
        columns += [shift_context(by_name[name], off) for name in LINE_CONTEXT_OF]
    return np.column_stack(columns).astype(np.float32)
