"""The words indexed in each search field, so a typed prefix can be expanded into the words it stands for.

SQLite's full-text index answers ``medec*`` by merging the lists of every word starting so, in full,
before returning the first match; ``(medecin OR medecine)`` is read lazily in rank order instead.
Words of entries that changed stay listed: a word that matches nothing any more costs nothing.
"""
from __future__ import annotations

from ..db import database
from ..models.directory import DirectoryEntry
from .bulk import Bulk

Q_FIELD, WHERE_FIELD = "q", "w"


def add(q_text: str, where_text: str, known: set[tuple[str, str]] | None = None) -> None:
    """List the words of these texts; ``known`` (kept by an import run) spares re-sending listed ones."""
    rows = {(Q_FIELD, t) for t in q_text.split()} | {(WHERE_FIELD, t) for t in where_text.split()}
    if known is not None:
        rows -= known
        known |= rows
    Bulk(database.obj).insert("directory_term", ("field", "term"), sorted(r for r in rows if len(r[1]) <= 100),
                              ignore_duplicates=True)


def rebuild() -> None:
    """List the words of every searchable entry again (after a full renumbering)."""
    db = database.obj
    db.execute_sql("DELETE FROM directory_term")
    q_words: set[str] = set()
    where_words: set[str] = set()
    last_id = 0
    E = DirectoryEntry
    while True:
        rows = list(E.select(E.id, E.search_q, E.search_where)
                    .where((E.id > last_id) & E.sort_rank.is_null(False)).order_by(E.id).limit(20_000).tuples())
        if not rows:
            break
        last_id = rows[-1][0]
        for _, q, w in rows:
            q_words.update(q.split())
            where_words.update(w.split())
    Bulk(db).insert("directory_term", ("field", "term"),
                    sorted([(Q_FIELD, t) for t in q_words if len(t) <= 100]
                           + [(WHERE_FIELD, t) for t in where_words if len(t) <= 100]))
