"""Search text: every name, city or query is folded the same way (lowercase, no accents, words only).

Folding happens in Python, not in the database, so SQLite and PostgreSQL index and compare exactly
the same words: "Hélène-Marie d'Aubigné" becomes ``helene marie d aubigne`` on both.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

# Letters that have no decomposition into a base letter plus accents.
_SPECIAL = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "đ": "d", "ł": "l", "ı": "i",
                          "þ": "th", "ð": "d", "’": "'"})
_NOT_WORD = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=200_000)  # cities, professions and establishments repeat on every other line
def _fold(text: str) -> str:
    lowered = text.lower().translate(_SPECIAL)
    if not lowered.isascii():
        lowered = unicodedata.normalize("NFKD", lowered).encode("ascii", "ignore").decode("ascii")
    return _NOT_WORD.sub(" ", lowered).strip()


def fold(text: str | None) -> str:
    """``"Dr Hélène MÜLLER-Cœur"`` -> ``"dr helene muller coeur"``."""
    return _fold(text) if text else ""


def words(text: str | None) -> list[str]:
    return fold(text).split()


def unique_words(*texts: str | None) -> str:
    """The distinct words of ``texts``, in order of appearance: what an entry is searched by."""
    found: list[str] = []
    for text in texts:
        if text:
            found += _fold(text).split()
    return " ".join(dict.fromkeys(found))


def name_key(*names: str | None) -> str:
    """A fixed-size token standing for the set of words of a name, whatever their order.

    "Julie BERNARD" and "bernard julie" give the same key: typing someone's full name, in either
    order, is an exact match. Hashed so the key is one short index token of letters and digits.
    """
    found = sorted(set(" ".join(fold(n) for n in names if n).split()))
    if not found:
        return ""
    return "k" + hashlib.blake2b(" ".join(found).encode(), digest_size=8).hexdigest()


def query_key(query_words: list[str]) -> str:
    """The :func:`name_key` a query's words would have if they were exactly an entry's name."""
    return name_key(" ".join(query_words))
