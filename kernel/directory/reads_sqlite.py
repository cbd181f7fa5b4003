"""Search reads on SQLite: FTS5 with column filters, rowid = rank read in order and cut by LIMIT."""
from __future__ import annotations

from typing import Any

from ..db import database
from .reads import EXACT_NAME, EXACT_WORDS, PREFIXES, Read
from .text import query_key

PREFIX_INDEXED = 3  # the FTS5 table keeps ready-made lists for prefixes of 1 to 3 letters
MAX_EXPANSION = 64  # more words than this behind a prefix: let the index merge them itself


class SqliteReads:
    """Builds the one statement of a search: a limited FTS5 read per tier and group."""

    def branches(self, q_words: list[str], where_words: list[str], mssante: bool) -> list[tuple] | None:
        expansions = self._expand([("q", w) for w in q_words] + [("w", w) for w in where_words])
        if expansions is None:
            return None
        where = [self._prefix("w", w, expansions) for w in where_words]
        tiers = []
        if q_words:
            tiers.append((EXACT_NAME, [f'n:"{query_key(q_words)}"', *where]))
            tiers.append((EXACT_WORDS, [f'q:"{w}"' for w in q_words] + where))
            tiers.append((PREFIXES, [self._prefix("q", w, expansions) for w in q_words] + where))
        else:
            tiers.append((PREFIXES, where))
        # Entries without an active address carry the tag; excluding the few is cheaper than keeping the many.
        return [(tier, "directory_search MATCH ?", ["(" + " AND ".join(parts) + ")" + (" NOT t:nomss" if mssante else "")],
                 ()) for tier, parts in tiers]

    def statement(self, reads: list[Read]) -> tuple[str, list[Any]]:
        sql = " UNION ALL ".join(
            f"SELECT * FROM (SELECT {r.group} AS g, {r.tier} AS t, rowid AS r FROM directory_search "
            f"WHERE {r.condition} AND rowid >= ? AND rowid < ? ORDER BY rowid LIMIT ?)" for r in reads)
        return sql, [p for r in reads for p in (*r.values, r.low, r.high, r.limit)]

    @staticmethod
    def _prefix(column: str, word: str, expansions: dict[tuple[str, str], list[str] | None]) -> str:
        terms = expansions.get((column, word))
        if terms is None:
            return f'{column}:"{word}"*'
        return f"{column}:(" + " OR ".join(f'"{t}"' for t in terms) + ")"

    @staticmethod
    def _expand(wanted: list[tuple[str, str]]) -> dict[tuple[str, str], list[str] | None] | None:
        """The indexed words each long prefix stands for (short ones have their own index); None when
        some prefix stands for no word at all."""
        long = sorted({(c, w) for c, w in wanted if len(w) > PREFIX_INDEXED})
        if not long:
            return {}
        sql = " UNION ALL ".join(
            f"SELECT * FROM (SELECT {i} AS i, term FROM directory_term WHERE field = ? AND term >= ? AND term < ? "
            f"ORDER BY term LIMIT {MAX_EXPANSION + 1})" for i in range(len(long)))
        params = [p for column, word in long for p in (column, word, word + "{")]  # "{" sorts after every letter
        found: dict[tuple[str, str], list[str] | None] = {pair: [] for pair in long}
        for i, term in database.obj.execute_sql(sql, params).fetchall():
            found[long[i]].append(term)  # type: ignore[union-attr]
        if any(not terms for terms in found.values()):
            return None
        return {pair: (terms if len(terms) <= MAX_EXPANSION else None) for pair, terms in found.items()}
