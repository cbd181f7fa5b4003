"""Directory rows read and written by batches: entries by key or id, addresses, search texts."""
from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable

from ..db import database, utcnow
from ..models.directory import DirectoryAddress, DirectoryEntry
from . import terms
from .bulk import Bulk
from .entries import SEARCH_FIELDS, search_fields

# Facts an entry shows, as opposed to its links and its place in the index.
FACT_FIELDS = ("kind", "national_id", "title", "first_name", "last_name", "display_name", "profession",
               "specialty", "organisation", "service", "postcode", "city", "department", "finess")
# What a re-import of the extraction still updates on an entry enriched from PS_LibreAcces.
NAME_FIELDS = ("title", "first_name", "last_name", "display_name")
ADDRESS_FACTS = ("service", "organisation", "postcode", "city", "department")
CHUNK = 5000


def _columns(model: Any, names: Iterable[str]) -> list[str]:
    return [model._meta.fields[n].column_name for n in names]


def chunks(items: list[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def entries_where(condition: Any) -> list[dict[str, Any]]:
    return list(DirectoryEntry.select().where(condition).dicts())


def rows_where_in(model: Any, field: str, values: list[Any]) -> list[dict[str, Any]]:
    """Every row of ``model`` whose ``field`` is one of ``values``, as dicts keyed by field name.

    Plain SQL: the query builder spends more time on a 5,000-value IN list than the database does.
    """
    meta, db = model._meta, database.obj
    names = meta.sorted_field_names
    head = f"SELECT {', '.join(_columns(model, names))} FROM {meta.table_name} WHERE {_columns(model, [field])[0]} IN "
    found = []
    for part in chunks(values):
        cursor = db.execute_sql(head + "(" + ", ".join([db.param] * len(part)) + ")", part)
        found += [dict(zip(names, row)) for row in cursor.fetchall()]
    return found


def set_where_in(model: Any, field: str, value: Any, ids: list[int]) -> None:
    """``UPDATE model SET field = value WHERE id IN ids``, by chunks."""
    db = database.obj
    head = f"UPDATE {model._meta.table_name} SET {_columns(model, [field])[0]} = {db.param} WHERE id IN "
    for part in chunks(ids):
        db.execute_sql(head + "(" + ", ".join([db.param] * len(part)) + ")", [value, *part])


def entries_by_key(keys: list[str]) -> dict[str, dict[str, Any]]:
    return {e["key"]: e for e in rows_where_in(DirectoryEntry, "key", keys)}


def entries_by_id(ids: list[int]) -> list[dict[str, Any]]:
    return rows_where_in(DirectoryEntry, "id", ids)


def insert_entries(rows: list[dict[str, Any]]) -> None:
    """Insert new entries (dicts of every field but ``id``) and set their ``id``."""
    if not rows:
        return
    names = [f for f in DirectoryEntry._meta.sorted_field_names if f != "id"]
    Bulk(database.obj).insert("directory_entry", _columns(DirectoryEntry, names), [[r[n] for n in names] for r in rows])
    db = database.obj
    ids = {}
    for part in chunks([r["key"] for r in rows]):
        marks = ", ".join([db.param] * len(part))
        ids.update(db.execute_sql(f"SELECT key, id FROM directory_entry WHERE key IN ({marks})", part).fetchall())
    for row in rows:
        row["id"] = ids[row["key"]]


def update_entries(rows: list[dict[str, Any]], names: Iterable[str]) -> None:
    names = list(names)
    db = database.obj
    sets = ", ".join(f"{c} = {db.param}" for c in _columns(DirectoryEntry, names))
    Bulk(db).update(f"UPDATE directory_entry SET {sets} WHERE id = {db.param}",
                    [[r[n] for n in names] + [r["id"]] for r in rows])


def insert_addresses(rows: list[dict[str, Any]]) -> None:
    names = [f for f in DirectoryAddress._meta.sorted_field_names if f != "id"]
    Bulk(database.obj).insert("directory_address", _columns(DirectoryAddress, names),
                              [[r[n] for n in names] for r in rows])


def update_addresses(rows: list[dict[str, Any]], names: Iterable[str]) -> None:
    names = list(names)
    db = database.obj
    sets = ", ".join(f"{c} = {db.param}" for c in _columns(DirectoryAddress, names))
    Bulk(db).update(f"UPDATE directory_address SET {sets} WHERE id = {db.param}",
                    [[r[n] for n in names] + [r["id"]] for r in rows])


def active_addresses(entry_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows_where_in(DirectoryAddress, "entry", entry_ids):
        if row["active"]:
            found[row["entry"]].append(row)
    return found


def refresh_texts(entries: list[dict[str, Any]], known_terms: set[tuple[str, str]] | None = None
                  ) -> list[dict[str, Any]]:
    """Recompute the search fields of ``entries`` (facts as given, active addresses as stored); rows
    whose fields change are written, their words listed, and flagged for the index. Returns those."""
    addresses = active_addresses([e["id"] for e in entries])
    changed = []
    for entry in entries:
        fields = search_fields(entry, addresses.get(entry["id"], ()))
        if any(entry.get(k) != fields[k] for k in SEARCH_FIELDS):
            entry.update(fields, search_dirty=True, updated_at=utcnow())
            changed.append(entry)
    update_entries(changed, (*SEARCH_FIELDS, "search_dirty", "updated_at"))
    terms.add(" ".join(e["search_q"] for e in changed), " ".join(e["search_where"] for e in changed), known_terms)
    return changed
