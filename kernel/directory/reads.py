"""One read of the search index, as both databases' readers build them (see search.py for the plan)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

EXACT_NAME, EXACT_WORDS, PREFIXES = 0, 1, 2  # ranking tiers


@dataclass(frozen=True)
class Read:
    """One rank-ordered, limited read of the index: one tier of one group."""

    group: int
    tier: int
    condition: str
    values: list[Any]
    low: int
    high: int
    limit: int
    words: tuple[tuple[str, str], ...] = ()  # PostgreSQL: (tsvector column, tsquery) of each word
