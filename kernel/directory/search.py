"""Directory search: two fields, every word a prefix, results grouped and read in rank order.

"q" (Nom, spécialité, service) and "where" (Ville, département, établissement) are folded like the
index (no case, no accents); every word of both must start a word of the entry's matching field.
Ranking, identical on SQLite and PostgreSQL:

1. exact full name (the words typed are exactly the person's or service's name, in any order);
2. every word of "q" is a whole word of the entry;
3. prefixes;

and within each tier, account holders first, then alphabetical: the rank order of the index. Each
tier of each group is one rank-ordered, limited read of the index, all in one statement, so a search
costs the same few queries whatever it finds.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..db import database
from ..models.directory import BAL_TYPES, DirectoryAddress, DirectoryEntry
from .index import is_sqlite, kind_bounds
from .text import query_key, words

KINDS = ("", "account", "mssante")
GROUPS = ("professionals", "services")
DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET = 5, 50, 1000
MAX_WORDS = 8
PREFIX_INDEXED = 3  # SQLite keeps ready-made lists for prefixes of 1 to 3 letters
MAX_EXPANSION = 64  # more words than this behind a prefix: let the index merge them itself
EXACT_NAME, EXACT_WORDS, PREFIXES = 0, 1, 2


@dataclass(frozen=True)
class DirectoryQuery:
    q: str = ""
    where: str = ""
    kind: str = ""
    group: str | None = None
    limit: int = DEFAULT_LIMIT
    offset: int = 0


def empty_result() -> dict[str, Any]:
    return {"professionals": [], "services": [], "more": {"professionals": False, "services": False}}


def search(query: DirectoryQuery) -> dict[str, Any]:
    """``{"professionals": [entry...], "services": [...], "more": {group: bool}}``; an empty query finds nobody."""
    result = empty_result()
    q_words, where_words = words(query.q)[:MAX_WORDS], words(query.where)[:MAX_WORDS]
    if not q_words and not where_words:
        return result
    groups = [query.group] if query.group else list(GROUPS)
    need = query.offset + query.limit + 1
    backend = _SqliteReads() if is_sqlite() else _PostgresReads()
    branches = backend.branches(q_words, where_words, query.kind == "mssante")
    if branches is None:  # a word matches nothing at all
        return result
    sql, params = [], []
    for group in groups:
        low, high = kind_bounds(group == "professionals", query.kind == "account")
        for tier, condition, values in branches:
            sql.append(backend.branch(GROUPS.index(group), tier, condition))
            params += [*values, low, high, need * (tier + 1)]
    ordered: dict[str, list[int]] = {g: [] for g in groups}
    seen: dict[str, set[int]] = {g: set() for g in groups}
    rows = sorted(database.obj.execute_sql(" UNION ALL ".join(sql), params).fetchall())
    for group_index, _, rank in rows:  # by group, then tier, then rank: the result order
        group = GROUPS[group_index]
        if rank not in seen[group]:
            seen[group].add(rank)
            ordered[group].append(rank)
    pages = {g: ranks[query.offset:query.offset + query.limit] for g, ranks in ordered.items()}
    entries = _entries([r for page in pages.values() for r in page])
    for group, page in pages.items():
        result[group] = [entries[r] for r in page if r in entries]
        result["more"][group] = len(ordered[group]) > query.offset + query.limit
    return result


class _SqliteReads:
    """FTS5: column filters, prefix queries, rowid = rank read in order and cut by LIMIT."""

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
        return [(tier, "directory_search MATCH ?", ["(" + " AND ".join(parts) + ")" + (" NOT t:nomss" if mssante else "")])
                for tier, parts in tiers]

    def branch(self, group: int, tier: int, condition: str) -> str:
        return (f"SELECT * FROM (SELECT {group} AS g, {tier} AS t, rowid AS r FROM directory_search WHERE {condition} "
                "AND rowid >= ? AND rowid < ? ORDER BY rowid LIMIT ?)")

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


class _PostgresReads:
    """GIN full-text indexes for rare words; the primary key walks common ones in rank order."""

    def branches(self, q_words: list[str], where_words: list[str], mssante: bool) -> list[tuple]:
        where_sql, where_params = [], []
        if where_words:
            where_sql.append("to_tsvector('simple'::regconfig, w) @@ CAST(%s AS tsquery)")
            where_params.append(" & ".join(f"'{w}':*" for w in where_words))
        if mssante:
            where_sql.append("mss")
        q_match = "to_tsvector('simple'::regconfig, q) @@ CAST(%s AS tsquery)"
        tiers = []
        if q_words:
            tiers.append((EXACT_NAME, ["n = %s", *where_sql], [query_key(q_words), *where_params]))
            tiers.append((EXACT_WORDS, [q_match, *where_sql], [" & ".join(f"'{w}'" for w in q_words), *where_params]))
            tiers.append((PREFIXES, [q_match, *where_sql], [" & ".join(f"'{w}':*" for w in q_words), *where_params]))
        else:
            tiers.append((PREFIXES, where_sql, where_params))
        return [(tier, " AND ".join(conditions), params) for tier, conditions, params in tiers]

    def branch(self, group: int, tier: int, condition: str) -> str:
        return (f"SELECT * FROM (SELECT {group} AS g, {tier} AS t, rank AS r FROM directory_search WHERE {condition} "
                f"AND rank >= %s AND rank < %s ORDER BY rank LIMIT %s) AS b{group}{tier}")


def _entries(ranks: list[int]) -> dict[int, dict[str, Any]]:
    """The entries at ``ranks`` with their active addresses: two queries whatever their number."""
    if not ranks:
        return {}
    E, A = DirectoryEntry, DirectoryAddress
    rows = list(E.select().where(E.sort_rank.in_(ranks)).dicts())
    addresses: dict[int, list[dict[str, Any]]] = {}
    for a in (A.select(A.entry, A.address, A.bal_type, A.service, A.organisation, A.city)
              .where(A.entry.in_([r["id"] for r in rows]) & A.active).dicts()):
        addresses.setdefault(a["entry"], []).append(a)
    order = {t: i for i, t in enumerate(BAL_TYPES)}
    found = {}
    for row in rows:
        mine = sorted(addresses.get(row["id"], ()), key=lambda a: (order.get(a["bal_type"], 9), a["address"]))
        national = row["national_id"] or ""
        found[row["sort_rank"]] = {
            "id": row["key"], "kind": row["kind"], "display_name": row["display_name"],
            "profession": row["profession"], "specialty": row["specialty"], "organisation": row["organisation"],
            "city": row["city"], "postcode": row["postcode"], "department": row["department"],
            "rpps": national[1:] if national.startswith("8") and len(national) == 12 else None,
            "identity_id": row["identity"], "has_account": row["has_account"],
            "addresses": [{"address": a["address"], "type": a["bal_type"],
                           "label": ", ".join(p for p in (a["service"], a["organisation"], a["city"]) if p)}
                          for a in mine]}
    return found
