"""The multilingual vocabularies: which words over a link list say "suggested" or "latest", which
words make a line of plain text part of a form, and which labels open a metadata line.

The phrases live in ``data/region_vocabulary.json``, ``data/form_vocabulary.json`` and
``data/metadata_vocabulary.json`` (installed as ``thresher.data``), never in code, so adding a
language is a data change.  The
heading vocabulary has three readers: the weak-labelling rules
(:mod:`thresher.training.weak_labels`), the ``heading_kind`` feature, which lets the region
model carry a Persian or Chinese heading it has seen few examples of over to other pages, and
the plain-text ``list_kind_*`` line features.  The form phrases feed the ``form_words`` line
feature, the metadata labels the ``metadata_words`` line feature.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import cache, cached_property
from importlib.resources import files

_ZWNJ = "\u200c"


def fold(text: str) -> str:
    """``text`` as the vocabularies match it: case-folded, ZWNJ removed, white space collapsed."""
    return " ".join(text.replace(_ZWNJ, "").casefold().split())


def any_of(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern that finds any of ``phrases`` in a text: the same answer as
    ``any(p in text for p in phrases)``, in one pass of the regex engine instead of a Python
    loop over hundreds of phrases (it ran for every heading and label on every page)."""
    if not phrases:
        return re.compile(r"(?!)")  # matches nothing, as any() over no phrases is False
    return re.compile("|".join(re.escape(p) for p in phrases))


@dataclass(frozen=True)
class Vocabulary:
    suggested: tuple[str, ...]
    latest: tuple[str, ...]
    digest: str = ""
    """sha256 of the vocabulary file (recorded in model metadata: the feature depends on it)."""

    def heading_kind(self, heading: str) -> str | None:
        """``suggested``, ``latest`` or None for a heading's text (case- and ZWNJ-insensitive)."""
        text = fold(heading)
        if not text:
            return None
        if self._suggested.search(text):
            return "suggested"
        if self._latest.search(text):
            return "latest"
        return None

    @cached_property
    def _suggested(self) -> re.Pattern[str]:
        return any_of(self.suggested)

    @cached_property
    def _latest(self) -> re.Pattern[str]:
        return any_of(self.latest)


def parse_vocabulary(raw_bytes: bytes) -> Vocabulary:
    raw = json.loads(raw_bytes.decode("utf-8"))

    return Vocabulary(_folded(raw["suggested"]), _folded(raw["latest"]), hashlib.sha256(raw_bytes).hexdigest())


def _folded(by_language: dict[str, list[str]]) -> tuple[str, ...]:
    """One section's phrases in every language, folded as they are matched."""
    return tuple(fold(p) for phrases in by_language.values() for p in phrases)


@cache
def load_vocabulary() -> Vocabulary:
    """The shipped vocabulary (read once per process)."""
    return parse_vocabulary(files("thresher.data").joinpath("region_vocabulary.json").read_bytes())


@dataclass(frozen=True)
class Phrases:
    """One multilingual phrase list: form words ("Leave a reply", "آدرس ایمیل") or the labels that
    open a metadata line ("Tags:", "منبع")."""

    phrases: tuple[str, ...]
    digest: str = ""
    """sha256 of the vocabulary file (recorded in the line model's metadata)."""

    def in_text(self, text: str) -> bool:
        """True when ``text`` holds one of the phrases (case- and ZWNJ-insensitive)."""
        return self._pattern.search(fold(text)) is not None

    def opens(self, text: str) -> bool:
        """True when ``text`` starts with one of the phrases (case- and ZWNJ-insensitive)."""
        return self._pattern.match(fold(text)) is not None

    @cached_property
    def _pattern(self) -> re.Pattern[str]:
        return any_of(self.phrases)


def parse_phrases(raw_bytes: bytes, section: str) -> Phrases:
    raw = json.loads(raw_bytes.decode("utf-8"))
    return Phrases(_folded(raw[section]), hashlib.sha256(raw_bytes).hexdigest())


@cache
def load_form_phrases() -> Phrases:
    """The shipped form vocabulary, ``data/form_vocabulary.json`` (read once per process)."""
    return parse_phrases(files("thresher.data").joinpath("form_vocabulary.json").read_bytes(), "form")


@cache
def load_metadata_phrases() -> Phrases:
    """The shipped metadata labels, ``data/metadata_vocabulary.json`` (read once per process)."""
    return parse_phrases(files("thresher.data").joinpath("metadata_vocabulary.json").read_bytes(), "metadata")
