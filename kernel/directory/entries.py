"""What an entry shows and is searched by, computed from its facts and its active addresses.

Pure functions: the import, the platform sync and the migration's backfill all describe entries the
same way, so a re-import that changes nothing finds nothing to write.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Iterable, Mapping

from ..models.directory import PERSON_ENTRY
from .departments import department_name
from .text import fold, name_key, unique_words

TITLES = {"dr": "Dr", "docteur": "Dr", "pr": "Pr", "professeur": "Pr"}
_SMALL_WORDS = {"de", "du", "des", "la", "le", "les", "sur", "sous", "en", "et", "aux", "au", "d", "l"}
_CEDEX = re.compile(r"\s+CEDEX(\s+\d+)?\s*$", re.IGNORECASE)
_WORD_PARTS = re.compile(r"([\s\-']+)")
# The fields a search reads; an entry row is rewritten only when one of them changes.
SEARCH_FIELDS = ("sort_name", "search_q", "search_where", "name_key", "has_address")


@lru_cache(maxsize=100)
def title_of(civility: str) -> str:
    """Civilité d'exercice as shown before a name: "DR" and "Docteur" give "Dr"; "M", "MME" give nothing."""
    return TITLES.get(fold(civility), "")


@lru_cache(maxsize=50_000)
def nice_case(text: str) -> str:
    """"JEAN-PIERRE" -> "Jean-Pierre", "SAINT-ETIENNE SUR LOIRE" -> "Saint-Etienne sur Loire"; mixed case kept."""
    text = " ".join(text.split())
    if not text or not text.isupper():
        return text
    parts = _WORD_PARTS.split(text.lower())
    out = []
    for i, part in enumerate(parts):
        if i % 2 or (i and part in _SMALL_WORDS):
            out.append(part)
        else:
            out.append(part[:1].upper() + part[1:])
    return "".join(out)


@lru_cache(maxsize=50_000)
def city_of(delivery_line: str, postcode: str = "") -> str:
    """The city of an "L6" delivery line: "69003 LYON" -> "Lyon", "LYON CEDEX 03" -> "Lyon"."""
    line = delivery_line.strip()
    if postcode and line.startswith(postcode):
        line = line[len(postcode):]
    elif line[:5].isdigit():
        line = line[5:]
    return nice_case(_CEDEX.sub("", line).strip())


def person_display(title: str, first_name: str, last_name: str) -> str:
    return " ".join(p for p in (title, first_name, last_name.upper()) if p)


def search_fields(entry: Mapping[str, Any], addresses: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The searchable text of an entry: names, profession, specialty and services in "q"; cities,
    postcodes, départements (code and name) and establishments of the entry and of every active
    address in "where" (someone working in two places is found in both)."""
    addresses = list(addresses)
    places: list[str] = []
    seen = set()
    for place in (entry, *addresses):
        department = place.get("department") or ""
        facts = (place.get("city"), place.get("postcode"), department, place.get("organisation"))
        if facts not in seen:  # most people's entry and address are in the same place
            seen.add(facts)
            places += [*facts, department_name(department)]
    services = [a.get("service") for a in addresses]
    if entry["kind"] == PERSON_ENTRY:
        first, last = entry.get("first_name") or "", entry.get("last_name") or ""
        q = unique_words(entry.get("title"), first, last, entry.get("display_name") if not (first or last) else "",
                         entry.get("profession"), entry.get("specialty"), entry.get("service"), *services)
        key = name_key(first, last) if (first or last) else name_key(entry["display_name"])
        # Folded piece by piece: the pieces repeat (fold keeps a cache), the whole name does not.
        sort_name = f"{fold(last)} {fold(first)}".strip() if (first or last) else fold(entry["display_name"])
    else:
        q = unique_words(entry["display_name"], entry.get("service"), entry.get("profession"), *services)
        key = name_key(entry["display_name"])
        sort_name = f"{fold(entry['display_name'])} {fold(entry.get('organisation'))}".strip()
    return {"sort_name": sort_name[:300], "search_q": q, "search_where": unique_words(*places), "name_key": key,
            "has_address": bool(addresses)}
