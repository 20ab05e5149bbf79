"""The multilingual vocabularies: which words over a link list say "suggested" or "latest", and
which words make a line of plain text part of a form.

The phrases live in ``data/region_vocabulary.json`` and ``data/form_vocabulary.json``
(installed as ``thresher.data``), never in code, so adding a language is a data change.  The
heading vocabulary has three readers: the weak-labelling rules
(:mod:`thresher.training.weak_labels`), the ``heading_kind`` feature, which lets the region
model carry a Persian or Chinese heading it has seen few examples of over to other pages, and
the plain-text ``list_kind_*`` line features.  The form phrases feed the ``form_words`` line
feature.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

_ZWNJ = "\u200c"


def fold(text: str) -> str:
    """``text`` as the vocabularies match it: case-folded, ZWNJ removed, white space collapsed."""
    return " ".join(text.replace(_ZWNJ, "").casefold().split())


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
        if any(p in text for p in self.suggested):
            return "suggested"
        if any(p in text for p in self.latest):
            return "latest"
        return None


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
class FormPhrases:
    """Phrases of comment, newsletter and contact forms ("Leave a reply", "آدرس ایمیل")."""

    phrases: tuple[str, ...]
    digest: str = ""
    """sha256 of the vocabulary file (recorded in the line model's metadata)."""

    def in_text(self, text: str) -> bool:
        """True when ``text`` holds one of the phrases (case- and ZWNJ-insensitive)."""
        folded = fold(text)
        return any(p in folded for p in self.phrases)


def parse_form_phrases(raw_bytes: bytes) -> FormPhrases:
    raw = json.loads(raw_bytes.decode("utf-8"))
    return FormPhrases(_folded(raw["form"]), hashlib.sha256(raw_bytes).hexdigest())


@cache
def load_form_phrases() -> FormPhrases:
    """The shipped form vocabulary, ``data/form_vocabulary.json`` (read once per process)."""
    return parse_form_phrases(files("thresher.data").joinpath("form_vocabulary.json").read_bytes())
