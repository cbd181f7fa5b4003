"""The search index: each searchable entry has a ``sort_rank`` and one row in ``directory_search``.

Results are shown account holders first, then alphabetically. Rather than sorting every match of a
two-letter prefix (hundreds of thousands on a national directory), the index stores entries in that
very order: ``sort_rank`` is the entry's position, spaced so that a newcomer fits between its
neighbours, and the search reads the first matches in rank order and stops. Rank space is cut in
four groups (professionals with an account, other professionals, services with an account, other
services), so "PROFESSIONNELS", "SERVICES" and "accounts only" are rank ranges.

Entries flagged ``search_dirty`` are (re)placed by :func:`refresh`, one by one when few, by a full
renumbering when many (a first import).
"""
from __future__ import annotations

import peewee as pw

from ..db import database
from ..models.directory import PERSON_ENTRY, DirectoryEntry, DirectoryTerm
from . import terms
from .bulk import Bulk

GROUP_SHIFT = 60
PLACEMENT_LOCK = 7235_0003  # PostgreSQL advisory lock: one transaction at a time places entries
GAP = 1 << 24  # room for 24 successive insertions at the same spot before a renumbering
PERSON_ACCOUNT, PERSON, SERVICE_ACCOUNT, SERVICE = 0, 1, 2, 3
NO_MSSANTE_TAG = "nomss"  # SQLite tag column: entries without an active MSSanté address
# PostgreSQL keeps each field's words as a tsvector, exactly these words: no parser, no dictionary.
PG_VECTOR = "array_to_tsvector(array_remove(string_to_array(%s, ' '), ''))"
SQLITE_SEARCH = ("CREATE VIRTUAL TABLE directory_search USING fts5(q, w, n, t, "
                 "tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3')")
RANK_INDEXES = (("directoryentry_sort_rank", "sort_rank"),
                ("directoryentry_rank_group_sort_name_key", "rank_group, sort_name, key"))
# Placing more than a fifth of the entries (or 200,000) one by one costs more than renumbering them all.
FULL_REBUILD_ABOVE = 200_000


def group_of(kind: str, has_account: bool) -> int:
    return (0 if kind == PERSON_ENTRY else 2) + (0 if has_account else 1)


def group_bounds(group: int) -> tuple[int, int]:
    return group << GROUP_SHIFT, (group + 1) << GROUP_SHIFT


def kind_bounds(person: bool, accounts_only: bool) -> tuple[int, int]:
    """The rank range of one result group: professionals or services, all or account holders only."""
    first = PERSON_ACCOUNT if person else SERVICE_ACCOUNT
    low, high = group_bounds(first)
    return (low, high) if accounts_only else (low, group_bounds(first + 1)[1])


def is_sqlite() -> bool:
    return isinstance(database.obj, pw.SqliteDatabase)


class SearchTable:
    """Rows of ``directory_search``, written the way each database stores them."""

    def __init__(self) -> None:
        self.db = database.obj
        self.sqlite = isinstance(self.db, pw.SqliteDatabase)
        self.bulk = Bulk(self.db)

    def insert(self, rows: list[tuple[int, str, str, str, bool]]) -> None:
        """``rows``: (rank, q text, where text, name key, has an active address)."""
        if not rows:
            return
        if self.sqlite:
            self.bulk.insert("directory_search", ("rowid", "q", "w", "n", "t"),
                             [(r, q, w, n, "" if mss else NO_MSSANTE_TAG) for r, q, w, n, mss in rows])
        else:
            self.bulk.insert("directory_search", ("rank", "qv", "wv", "n", "mss"), rows,
                             template=f"(%s, {PG_VECTOR % '%s'}, {PG_VECTOR % '%s'}, %s, %s)")

    def delete(self, ranks: list[int]) -> None:
        if ranks:
            self.bulk.update(f"DELETE FROM directory_search WHERE {'rowid' if self.sqlite else 'rank'} = {self.db.param}",
                             [(r,) for r in ranks])

    def fill_from_entries(self) -> None:
        """Replace every row by those of the ranked entries (a full rebuild), in rank order."""
        if self.sqlite:
            # Dropping the table is much faster than deleting a million rows one by one.
            self.db.execute_sql("DROP TABLE IF EXISTS directory_search")
            self.db.execute_sql(SQLITE_SEARCH)
            self.db.execute_sql(
                "INSERT INTO directory_search (rowid, q, w, n, t) SELECT sort_rank, search_q, search_where, "
                f"name_key, CASE WHEN has_address THEN '' ELSE '{NO_MSSANTE_TAG}' END FROM directory_entry "
                "WHERE sort_rank IS NOT NULL ORDER BY sort_rank")
        else:
            # DELETE, not TRUNCATE: searches keep reading the previous rows until the rebuild commits.
            self.db.execute_sql("DELETE FROM directory_search")
            self.db.execute_sql(
                f"INSERT INTO directory_search (rank, qv, wv, n, mss) SELECT sort_rank, {PG_VECTOR % 'search_q'}, "
                f"{PG_VECTOR % 'search_where'}, name_key, has_address FROM directory_entry WHERE sort_rank IS NOT NULL "
                "ORDER BY sort_rank")
            # The planner picks between the GIN indexes and a walk in rank order from these statistics.
            self.db.execute_sql("ANALYZE directory_search")


def refresh(full: bool = False, entry_ids: list[int] | None = None) -> None:
    """Place the entries flagged ``search_dirty`` in the index: all of them, or those of ``entry_ids``
    (a platform account that changed); ``full`` renumbers everything. Call it in a write transaction."""
    if not is_sqlite():  # SQLite writers queue up already; PostgreSQL ones could pick the same free rank
        database.obj.execute_sql("SELECT pg_advisory_xact_lock(%s)", (PLACEMENT_LOCK,))
    ensure_rank_indexes()  # a first import that stopped half-way may have left them dropped
    if entry_ids is not None:
        if entry_ids and not _place_one_by_one(entry_ids):
            rebuild()
        return
    dirty = DirectoryEntry.select().where(DirectoryEntry.search_dirty).count()
    if not dirty and not full:
        return
    ranked = DirectoryEntry.select().where(DirectoryEntry.sort_rank.is_null(False)).count()
    if full or dirty > min(ranked // 5, FULL_REBUILD_ABOVE) or not _place_one_by_one():
        rebuild()


def rebuild() -> None:
    """Renumber every searchable entry, group by group, and rewrite the whole search table."""
    db = database.obj
    drop_rank_indexes()
    searchable = "(has_account OR has_address)"
    group = f"(CASE WHEN kind = '{PERSON_ENTRY}' THEN 0 ELSE 2 END) + (CASE WHEN has_account THEN 0 ELSE 1 END)"
    db.execute_sql("UPDATE directory_entry SET rank_group = NULL, sort_rank = NULL, search_dirty = FALSE "
                   f"WHERE NOT {searchable} AND (sort_rank IS NOT NULL OR search_dirty)")
    # One pass: sort_name and key compare bytewise on both databases ("C" collation on PostgreSQL).
    db.execute_sql(
        f"UPDATE directory_entry SET rank_group = numbered.g, sort_rank = numbered.g * {db.param} "
        f"+ {db.param} * numbered.n, search_dirty = FALSE FROM (SELECT id, {group} AS g, ROW_NUMBER() OVER "
        f"(PARTITION BY {group} ORDER BY sort_name, key) AS n FROM directory_entry WHERE {searchable}) AS numbered "
        "WHERE directory_entry.id = numbered.id", (1 << GROUP_SHIFT, GAP))
    ensure_rank_indexes()
    SearchTable().fill_from_entries()
    if not DirectoryTerm.select().exists():  # words are listed as entries are written (store.refresh_texts)
        terms.rebuild()


def drop_rank_indexes() -> None:
    """Every row moves in these two indexes on a renumbering: rebuilding them once beats a million updates.

    SQLite only: its readers keep their snapshot meanwhile, where PostgreSQL would lock them out of the table.
    """
    if is_sqlite():
        for name, _ in RANK_INDEXES:
            database.obj.execute_sql(f"DROP INDEX IF EXISTS {name}")


def ensure_rank_indexes() -> None:
    for name, columns in RANK_INDEXES:
        database.obj.execute_sql(f"CREATE INDEX IF NOT EXISTS {name} ON directory_entry ({columns})")


def _place_one_by_one(entry_ids: list[int] | None = None) -> bool:
    """Take the dirty entries out of the index, then put each back between its neighbours.

    False when some entry finds no free rank between its neighbours: the caller renumbers everything.
    Plain SQL: building each of these small statements with the query builder would cost more than
    running it.
    """
    table = SearchTable()
    db, E = table.db, DirectoryEntry
    dirty = E.search_dirty if entry_ids is None else E.search_dirty & E.id.in_(entry_ids)
    old = [r for (r,) in E.select(E.sort_rank).where(dirty & E.sort_rank.is_null(False)).tuples()]
    table.delete(old)
    E.update(sort_rank=None, rank_group=None).where(dirty).execute()
    p = db.param
    before_sql = (f"SELECT sort_rank FROM directory_entry WHERE rank_group = {p} AND (sort_name, key) < ({p}, {p}) "
                  "ORDER BY sort_name DESC, key DESC LIMIT 1")
    after_sql = (f"SELECT sort_rank FROM directory_entry WHERE rank_group = {p} AND (sort_name, key) > ({p}, {p}) "
                 "ORDER BY sort_name, key LIMIT 1")
    place_sql = f"UPDATE directory_entry SET rank_group = {p}, sort_rank = {p}, search_dirty = FALSE WHERE id = {p}"
    last_id = 0
    while True:
        batch = list(E.select(E.id, E.kind, E.key, E.has_account, E.has_address, E.sort_name, E.search_q,
                              E.search_where, E.name_key)
                     .where(dirty & (E.id > last_id)).order_by(E.id).limit(1000).tuples())
        if not batch:
            return True
        rows, unplaced = [], []
        for entry_id, kind, key, has_account, has_address, sort_name, q, w, n in batch:
            last_id = entry_id
            if not (has_account or has_address):
                unplaced.append(entry_id)
                continue
            group = group_of(kind, has_account)
            before = db.execute_sql(before_sql, (group, sort_name, key)).fetchone()
            after = db.execute_sql(after_sql, (group, sort_name, key)).fetchone()
            rank = _free_rank(group, before and before[0], after and after[0])
            if rank is None:
                return False
            db.execute_sql(place_sql, (group, rank, entry_id))
            rows.append((rank, q, w, n, has_address))
        if unplaced:
            E.update(search_dirty=False).where(E.id.in_(unplaced)).execute()
        table.insert(rows)


def _free_rank(group: int, before: int | None, after: int | None) -> int | None:
    """A rank strictly between the neighbours' (None when they are adjacent)."""
    low, high = group_bounds(group)
    if before is None and after is None:
        return low + GAP
    if after is None:  # last of its group: leave a regular gap, as a renumbering would
        return before + GAP if before + GAP < high else _between(before, high)
    if before is None:
        return after - GAP if after - GAP > low else _between(low, after)
    return _between(before, after)


def _between(low: int, high: int) -> int | None:
    return (low + high) // 2 if high - low > 1 else None
