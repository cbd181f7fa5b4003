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
from .reads import Read
from .reads_postgres import PostgresReads
from .reads_sqlite import SqliteReads
from .text import words

KINDS = ("", "account", "mssante")
GROUPS = ("professionals", "services")
DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET = 5, 50, 1000
MAX_WORDS = 8


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
    backend: Any = SqliteReads() if is_sqlite() else PostgresReads()
    branches = backend.branches(q_words, where_words, query.kind == "mssante")
    if branches is None:  # a word matches nothing at all
        return result
    reads = []
    for group in groups:
        low, high = kind_bounds(group == "professionals", query.kind == "account")
        # A tier's matches may include the previous tiers': read enough to fill the page after removing them.
        reads += [Read(GROUPS.index(group), tier, condition, values, low, high, need * (tier + 1), tier_words)
                  for tier, condition, values, tier_words in branches]
    ordered: dict[str, list[int]] = {g: [] for g in groups}
    seen: dict[str, set[int]] = {g: set() for g in groups}
    sql, params = backend.statement(reads)
    rows = sorted(database.obj.execute_sql(sql, params).fetchall())
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
