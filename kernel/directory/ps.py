"""Enrichment from PS_LibreAcces_Personne_activite: profession, specialty and place of practice of the
professionals already in the directory (with an MSSanté address or a platform account).

One line is one activity; a professional's first activity in a run gives their facts, the next ones
fill what it left empty. Professionals of the file who are not in the directory are not added:
without an address or an account nobody can write to them (they are counted as "ignorées").
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..db import utcnow
from ..models.directory import PERSON_ENTRY, DirectoryEntry, DirectoryImport
from . import store
from .columns import Layout
from .departments import department_code
from .entries import nice_case, person_display, title_of
from .mssante import Counts

PS_FACTS = ("profession", "specialty", "organisation", "postcode", "city", "department", "finess")


def parse(layout: Layout, fields: list[str]) -> dict[str, Any] | str:
    get = layout.get
    national_id = get(fields, "national_id")
    if not national_id:
        return "identifiant national (Identification nationale PP) absent : ligne ignorée"
    postcode = get(fields, "postcode")
    return {"national_id": national_id, "title": title_of(get(fields, "title")),
            "profession": get(fields, "profession"), "specialty": get(fields, "specialty"),
            "organisation": get(fields, "organisation") or get(fields, "brand"), "postcode": postcode,
            "city": nice_case(get(fields, "city")), "department": department_code(get(fields, "department"), postcode),
            "finess": get(fields, "finess")}


@dataclass
class PsWriter:
    run: DirectoryImport
    counts: Counts = field(default_factory=Counts)
    known_terms: set[tuple[str, str]] = field(default_factory=set)

    def write(self, rows: list[dict[str, Any]]) -> None:
        run_id, now = self.run.id, utcnow()
        lines_of: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            lines_of.setdefault(row["national_id"], []).append(row)
        found: dict[str, list[dict[str, Any]]] = {}
        for entry in store.rows_where_in(DirectoryEntry, "national_id", list(lines_of)):
            found.setdefault(entry["national_id"], []).append(entry)
        changed, seen = [], []
        for national_id, lines in lines_of.items():
            entries = found.get(national_id)
            if not entries:
                self.counts.ignored += len(lines)
                continue
            for entry in entries:
                before = {n: entry[n] for n in (*PS_FACTS, "title", "display_name")}
                for i, line in enumerate(lines):
                    # A value the file leaves empty never erases one the extraction gave.
                    fresh = i == 0 and entry["last_run"] != run_id
                    for name in PS_FACTS:
                        if line[name] and (fresh or not entry[name]):
                            entry[name] = line[name]
                    if line["title"] and not entry["title"] and entry["kind"] == PERSON_ENTRY and entry["last_name"]:
                        entry["title"] = line["title"]
                        entry["display_name"] = person_display(line["title"], entry["first_name"], entry["last_name"])
                entry["last_run"] = run_id
                if any(entry[n] != v for n, v in before.items()) or entry["facts_from"] != "ps":
                    entry.update(facts_from="ps", updated_at=now)
                    changed.append(entry)
                else:
                    seen.append(entry)
            updated = any(e in changed for e in entries)
            self.counts.updated += updated
            self.counts.unchanged += len(lines) - updated
        store.update_entries(changed, (*PS_FACTS, "title", "display_name", "facts_from", "last_run", "updated_at"))
        store.set_where_in(DirectoryEntry, "last_run", run_id, [e["id"] for e in seen])
        store.refresh_texts(changed, self.known_terms)
