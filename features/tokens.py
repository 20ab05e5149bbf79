"""Script-independent tokenisation and text normalisation.

Words are runs of letters/digits (``\\w``) with the joiners Persian and Indic scripts use
inside words (U+200C ZWNJ, U+200D ZWJ) kept; Han, kana, Thai, Lao, Khmer and Myanmar
characters, written without spaces, count one token each.  No language word lists.
"""

from __future__ import annotations

import re

_UNSPACED = "\u0e00-\u0e7f\u0e80-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
TOKEN_RE = re.compile(f"[{_UNSPACED}]|(?:[^\\W{_UNSPACED}]|[\u200c\u200d])+")
SENTENCE_END = frozenset(".!?…。！？؟۔।")


def tokens(text: str) -> list[str]:
    """Lower-cased tokens of ``text`` (see module doc)."""
    return [t.strip("\u200c\u200d") for t in TOKEN_RE.findall(text.lower()) if t.strip("\u200c\u200d")]


def collapse_ws(text: str) -> str:
    """Collapse runs of white space to one space and strip; ZWNJ/ZWJ are not white space."""
    return " ".join(text.split())
