"""Import of the MSSanté extraction: one line is one mailbox (BAL); people are grouped by national id.

Each batch of lines is written in one transaction: entries are created or updated (the first line of
a person in a run gives their facts), addresses are created, updated or marked as seen by this run.
Only once the whole file has been read without error are the addresses this run did not see retired.
A rejected line still names a published mailbox: its address is read from the raw fields when it can
be and counts as seen, so that a stray ``|`` in a company name never retires a working address.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import peewee as pw

from ..db import utcnow
from ..models.directory import (BAL_TYPES, FROM_ANNUAIRE, PERSON_ENTRY, SERVICE_ENTRY, DirectoryAddress,
                                DirectoryEntry, DirectoryImport)
from . import store, terms
from .columns import Layout
from .departments import department_code
from .entries import city_of, nice_case, person_display, search_fields, title_of

FINESS_TYPES = {"1", "finess"}
_MAILBOX = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    retired: int = 0
    ignored: int = 0
    kept: int = 0  # published addresses not retired because their line was rejected


def parse(layout: Layout, fields: list[str]) -> dict[str, Any] | str:
    """A line as entry and address facts, or the French reason it is rejected."""
    v = {name: fields[i].strip() for name, i in layout.positions.items()}
    get = v.get
    bal_type = get("bal_type", "").upper()
    if bal_type not in BAL_TYPES:
        return f"type de BAL « {bal_type} » inconnu (PER, ORG, APP ou CAB attendu) : ligne ignorée"
    address = get("address", "").lower()
    if address.count("@") != 1 or " " in address or len(address) > 254 or address.endswith("@"):
        return f"adresse BAL « {address} » invalide : ligne ignorée"
    postcode = get("postcode", "")
    organisation = get("organisation") or get("brand", "")
    service = get("service", "")
    national_id = get("national_id", "")
    row = {"bal_type": bal_type, "address": address, "postcode": postcode, "organisation": organisation,
           "service": service, "city": city_of(get("line6", ""), postcode),
           "department": department_code(get("department", ""), postcode),
           "finess": get("structure_id", "") if get("structure_id_type", "").lower() in FINESS_TYPES else "",
           "profession": get("profession", ""), "specialty": get("specialty", "")}
    if bal_type == "PER":
        title, first, last = title_of(get("title", "")), nice_case(get("first_name", "")), get("last_name", "").upper()
        row.update(kind=PERSON_ENTRY, key=f"pp:{national_id}" if national_id else f"bal:{address}",
                   national_id=national_id or None, title=title, first_name=first, last_name=last,
                   display_name=person_display(title, first, last) or address)
    else:
        row.update(kind=SERVICE_ENTRY, key=f"bal:{address}", national_id=None, title="", first_name="", last_name="",
                   display_name=service or organisation or address.split("@")[0])
    return row


def rejected_line_addresses(layout: Layout, fields: list[str]) -> set[str]:
    """The mailbox a rejected line still names, to keep it from retirement.

    A ``|`` inside a value shifts the columns after it by one per extra field (and a missing one the
    other way), so the address is in the window around its column that the difference in width
    allows. Every field of that window that looks like an address is taken: keeping an address the
    line does not hold costs at most a late retirement, retiring a published one loses mail."""
    index = layout.positions["address"]
    extra = len(fields) - layout.width
    window = fields[max(0, index + min(extra, 0)):index + max(extra, 0) + 1]
    found = {v.strip().lower() for v in window if _MAILBOX.fullmatch(v.strip())}
    if not found:  # the shift came from elsewhere: an address anywhere on the line is still this line's
        found = {v.strip().lower() for v in fields if _MAILBOX.fullmatch(v.strip())}
    return {a for a in found if len(a) <= 254}


ADDRESS_FIELDS = ("entry", "bal_type", "source", "active", *store.ADDRESS_FACTS)


@dataclass
class MssanteWriter:
    run: DirectoryImport
    counts: Counts = field(default_factory=Counts)
    known_terms: set[tuple[str, str]] = field(default_factory=set)

    def write(self, rows: list[dict[str, Any]]) -> None:
        """Write one batch of parsed lines (call inside a write transaction)."""
        now = utcnow()
        by_address: dict[str, dict[str, Any]] = {}
        first_of: dict[str, dict[str, Any]] = {}
        for row in rows:
            if row["address"] in by_address:
                self.counts.unchanged += 1  # the same mailbox twice in the file: the later line wins
            by_address[row["address"]] = row
            first_of.setdefault(row["key"], row)
        entries = store.entries_by_key(list(first_of))
        new_entries, changed_keys = self._write_entries(first_of, entries, by_address, now)
        touched: dict[int, dict[str, Any]] = {}
        moved_from = self._write_addresses(by_address, entries, first_of, changed_keys, touched, now)
        for entry in store.entries_by_id([i for i in moved_from if i not in touched]):
            touched[entry["id"]] = entry
        for key in changed_keys:
            touched[entries[key]["id"]] = entries[key]
        for entry in new_entries:  # their search fields were computed from this batch's lines already
            touched.pop(entry["id"], None)
        terms.add(" ".join(e["search_q"] for e in new_entries), " ".join(e["search_where"] for e in new_entries),
                  self.known_terms)
        store.refresh_texts(list(touched.values()), self.known_terms)

    def _write_entries(self, first_of: dict[str, dict[str, Any]], entries: dict[str, dict[str, Any]],
                       by_address: dict[str, dict[str, Any]], now: Any) -> tuple[list[dict[str, Any]], set[str]]:
        run_id = self.run.id
        new_entries, changed, seen, changed_keys = [], [], [], set()
        for key, row in first_of.items():
            entry = entries.get(key)
            if entry is None:
                entries[key] = entry = self._new_entry(row, now)
                new_entries.append(entry)
            elif entry["last_run"] != run_id:  # first line of this entry in this run: its facts are this line's
                names = store.NAME_FIELDS if entry["facts_from"] == "ps" else store.FACT_FIELDS
                diff = {n: row[n] for n in names if entry[n] != row[n]}
                entry["last_run"] = run_id
                if diff:
                    entry.update(diff, updated_at=now)
                    changed.append(entry)
                    changed_keys.add(key)
                else:
                    seen.append(entry)
        if new_entries:
            lines_of: dict[str, list[dict[str, Any]]] = {}
            for row in by_address.values():
                lines_of.setdefault(row["key"], []).append(row)
            for entry in new_entries:
                entry.update(search_fields(entry, lines_of.get(entry["key"], ())))
        store.insert_entries(new_entries)
        store.update_entries(changed, (*store.FACT_FIELDS, "last_run", "updated_at"))
        store.set_where_in(DirectoryEntry, "last_run", run_id, [e["id"] for e in seen])
        return new_entries, changed_keys

    def _new_entry(self, row: dict[str, Any], now: Any) -> dict[str, Any]:
        entry = {n: row[n] for n in store.FACT_FIELDS}
        entry.update(key=row["key"], source=FROM_ANNUAIRE, facts_from="mssante", identity=None, has_account=False,
                     has_address=False, sort_name="", search_q="", search_where="", name_key="", rank_group=None,
                     sort_rank=None, search_dirty=True, last_run=self.run.id, updated_at=now)
        return entry

    def _write_addresses(self, by_address: dict[str, dict[str, Any]], entries: dict[str, dict[str, Any]],
                         first_of: dict[str, dict[str, Any]], changed_keys: set[str],
                         touched: dict[int, dict[str, Any]], now: Any) -> set[int]:
        """Create, update or mark as seen each address; returns the entries an address moved away from."""
        A = DirectoryAddress
        old = {a["address"]: a for a in store.rows_where_in(A, "address", list(by_address))}
        inserts, updates, seen, moved_from = [], [], [], set()
        for address, row in by_address.items():
            entry = entries[row["key"]]
            values = {"entry": entry["id"], "bal_type": row["bal_type"], "source": FROM_ANNUAIRE, "active": True,
                      **{n: row[n] for n in store.ADDRESS_FACTS}}
            before = old.get(address)
            if before is None:
                inserts.append({**values, "address": address, "last_run": self.run.id, "first_seen_at": now,
                                "retired_at": None})
                touched[entry["id"]] = entry
                self.counts.created += 1
            elif any(before[n] != v for n, v in values.items()):
                updates.append({**before, **values, "last_run": self.run.id, "retired_at": None})
                touched[entry["id"]] = entry
                if before["entry"] != entry["id"]:
                    moved_from.add(before["entry"])
                self.counts.updated += 1
            else:
                seen.append(before["id"])
                if row["key"] in changed_keys and first_of[row["key"]] is row:
                    self.counts.updated += 1  # the mailbox is the same, its holder's facts changed
                else:
                    self.counts.unchanged += 1
        store.insert_addresses(inserts)
        store.update_addresses(updates, (*ADDRESS_FIELDS, "last_run", "retired_at"))
        store.set_where_in(A, "last_run", self.run.id, seen)
        return moved_from


def keep_addresses(run: DirectoryImport, addresses: set[str]) -> int:
    """Mark as seen by ``run`` the published addresses of rejected lines; returns how many were not yet."""
    A = DirectoryAddress
    kept = 0
    for part in store.chunks(sorted(addresses)):
        kept += (A.update(last_run=run.id)
                 .where(A.address.in_(part) & _unseen(run))
                 .execute())
    return kept


def _not_seen_by(run: DirectoryImport) -> Any:
    A = DirectoryAddress
    return A.last_run.is_null() | (A.last_run != run.id)


def _unseen(run: DirectoryImport) -> Any:
    A = DirectoryAddress
    return (A.source == FROM_ANNUAIRE) & A.active & _not_seen_by(run)


def retirement_share(run: DirectoryImport) -> tuple[int, int]:
    """``(addresses the run would retire, active national addresses)``, for the safety threshold; one
    scan of the addresses for both."""
    A = DirectoryAddress
    unseen = pw.fn.SUM(pw.Case(None, [(_not_seen_by(run), 1)], 0))
    active, not_seen = (A.select(pw.fn.COUNT(A.id), unseen)
                        .where((A.source == FROM_ANNUAIRE) & A.active).tuples().get())
    return int(not_seen or 0), active


def retire_unseen(run: DirectoryImport) -> int:
    """Retire the extraction's addresses this run did not see (call only after a complete read)."""
    A = DirectoryAddress
    stamp = utcnow()
    retired = A.update(active=False, retired_at=stamp).where(_unseen(run)).execute()
    last = 0
    while retired:
        ids = [i for (i,) in A.select(A.entry).distinct().where((A.retired_at == stamp) & (A.entry > last))
               .order_by(A.entry).limit(store.CHUNK).tuples()]
        if not ids:
            break
        last = ids[-1]
        store.refresh_texts(store.entries_by_id(ids))
    return retired
