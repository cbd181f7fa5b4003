"""Platform identities in the directory: accounts and structures are searchable, national entry or not.

A professional with an account is linked to their national entry (``8`` + RPPS, or one of their
addresses published in the extraction): they appear once, marked as an account holder. Otherwise
the identity gets an entry of its own (source "platform"). Call :func:`sync_identity` whenever an
account, a structure or their addresses are created or changed; the import re-syncs them all.
Nothing here writes to accounts, identities or their addresses: only the directory's tables.
"""
from __future__ import annotations

from typing import Any

from ..db import database, utcnow
from ..models import PERSON, Account, Identity, MailAddress
from ..models.directory import (FROM_ANNUAIRE, FROM_PLATFORM, PERSON_ENTRY, SERVICE_ENTRY, DirectoryAddress,
                                DirectoryEntry)
from . import index, store, terms
from .entries import search_fields, title_of
from .text import fold

E, A = DirectoryEntry, DirectoryAddress


def sync_identity(identity: Identity | int) -> None:
    """Bring the directory up to date with one platform identity (and place it in the search index)."""
    identity_id = identity if isinstance(identity, int) else identity.id
    with database.obj.atomic():
        index.refresh(entry_ids=_sync(identity_id))


def sync_all_identities() -> None:
    """Re-sync every platform identity (after an import, or to index identities made before the directory)."""
    with database.obj.atomic():
        for (identity_id,) in Identity.select(Identity.id).order_by(Identity.id).tuples():
            _sync(identity_id)
        # Identities deleted since: their platform entries go, national entries lose the mark.
        gone = E.select(E.id, E.sort_rank).where(E.identity.is_null() & (E.source == FROM_PLATFORM))
        _delete_entries(list(gone.dicts()))
        E.update(has_account=False, search_dirty=True).where(E.identity.is_null() & E.has_account).execute()
        index.refresh()


def _sync(identity_id: int) -> list[int]:
    """Sync one identity; returns the ids of the entries whose place in the index may have changed."""
    identity = Identity.get_or_none(Identity.id == identity_id)
    linked_before = store.entries_where(E.identity == identity_id)
    if identity is None:
        _unlink(linked_before)
        return [e["id"] for e in linked_before]
    account = Account.get_or_none(Account.identity == identity_id)
    person = identity.kind == PERSON
    takes_part = not person or (account is not None and account.active)
    mail = sorted({m.lower() for (m,) in MailAddress.select(MailAddress.address)
                   .where(MailAddress.identity == identity_id).tuples()})
    national_id = f"8{account.rpps}" if account is not None and account.rpps else None
    matches = _national_matches(person, national_id, mail)
    match_ids = {e["id"] for e in matches}
    platform_key = f"identity:{identity_id}"
    platform = next((e for e in linked_before if e["key"] == platform_key), None) \
        or store.entries_by_key([platform_key]).get(platform_key)
    _unlink([e for e in linked_before if e["source"] == FROM_ANNUAIRE and e["id"] not in match_ids])
    for entry in matches:
        if entry["identity"] != identity_id or entry["has_account"] != takes_part:
            E.update(identity=identity_id, has_account=takes_part, search_dirty=True).where(E.id == entry["id"]).execute()
            entry.update(identity=identity_id, has_account=takes_part)
    if matches:
        target = matches[0]
    else:
        target = _platform_entry(platform, identity, account, national_id, takes_part)
    touched = {e["id"]: e for e in (*linked_before, *matches, target)}
    _platform_addresses(mail, target, list(touched), bal_type="PER" if person else "ORG")
    if matches and platform is not None:
        _delete_entries([platform])
        touched.pop(platform["id"], None)
    entries = store.entries_by_id(list(touched))
    store.refresh_texts(entries)
    return [e["id"] for e in entries]


def _national_matches(person: bool, national_id: str | None, mail: list[str]) -> list[dict[str, Any]]:
    same_kind = (E.source == FROM_ANNUAIRE) & (E.kind == (PERSON_ENTRY if person else SERVICE_ENTRY))
    found = store.entries_where(same_kind & (E.national_id == national_id)) if national_id else []
    if mail:
        by_address = A.select(A.entry).where(A.address.in_(mail) & (A.source == FROM_ANNUAIRE) & A.active)
        found += [e for e in store.entries_where(same_kind & E.id.in_(by_address)) if e not in found]
    return found


def _unlink(entries: list[dict[str, Any]]) -> None:
    ids = [e["id"] for e in entries if e["source"] == FROM_ANNUAIRE]
    if ids:
        E.update(identity=None, has_account=False, search_dirty=True).where(E.id.in_(ids)).execute()


def _platform_entry(entry: dict[str, Any] | None, identity: Identity, account: Account | None,
                    national_id: str | None, takes_part: bool) -> dict[str, Any]:
    """Create or update the entry of an identity absent from the national files."""
    if account is not None:
        first, last = account.first_name, account.last_name.upper()
        lead = identity.display_name.split(" ", 1)[0]
        title = title_of(lead) if fold(lead) != fold(first.split(" ")[0]) else ""
        facts = {"kind": PERSON_ENTRY, "title": title, "first_name": first, "last_name": last,
                 "profession": account.profession}
    else:
        facts = {"kind": PERSON_ENTRY if identity.kind == PERSON else SERVICE_ENTRY, "title": "", "first_name": "",
                 "last_name": "", "profession": (identity.structure_type or "").capitalize()}
    facts.update(display_name=identity.display_name, national_id=national_id, identity=identity.id,
                 has_account=takes_part, finess=identity.finess or "")
    if entry is not None and entry["facts_from"] == "ps":
        facts = {k: v for k, v in facts.items() if k not in ("profession", "finess")}
    if entry is None:
        entry = {"key": f"identity:{identity.id}", "source": FROM_PLATFORM, "specialty": "", "organisation": "",
                 "service": "", "postcode": "", "city": "", "department": "", "facts_from": "platform",
                 "rank_group": None, "sort_rank": None, "search_dirty": True, "last_run": None,
                 "updated_at": utcnow(), **facts}
        entry.update(search_fields(entry, ()))
        store.insert_entries([entry])
        terms.add(entry["search_q"], entry["search_where"])
    elif any(entry[k] != v for k, v in facts.items()):
        entry.update(facts, search_dirty=True, updated_at=utcnow())
        store.update_entries([entry], (*facts, "search_dirty", "updated_at"))
    return entry


def _platform_addresses(mail: list[str], target: dict[str, Any], entry_ids: list[int], bal_type: str) -> None:
    """The identity's own addresses, listed on its entry unless the extraction publishes them already."""
    existing = {a["address"]: a for a in A.select().where(A.address.in_(mail)).dicts()} if mail else {}
    for address in mail:
        row = existing.get(address)
        if row is None:
            store.insert_addresses([{"address": address, "entry": target["id"], "bal_type": bal_type,
                                     "source": FROM_PLATFORM, "organisation": "", "service": "", "postcode": "",
                                     "city": "", "department": "", "active": True, "last_run": None,
                                     "first_seen_at": utcnow(), "retired_at": None}])
        elif not (row["source"] == FROM_ANNUAIRE and row["active"]) and (
                row["entry"] != target["id"] or not row["active"] or row["source"] != FROM_PLATFORM):
            A.update(entry=target["id"], source=FROM_PLATFORM, active=True, retired_at=None) \
                .where(A.id == row["id"]).execute()
    stale = (A.source == FROM_PLATFORM) & A.entry.in_(entry_ids)
    A.delete().where(stale & A.address.not_in(mail) if mail else stale).execute()


def _delete_entries(entries: list[dict[str, Any]]) -> None:
    index.SearchTable().delete([e["sort_rank"] for e in entries if e["sort_rank"] is not None])
    for part in store.chunks([e["id"] for e in entries]):
        E.delete().where(E.id.in_(part)).execute()
