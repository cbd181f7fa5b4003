"""Where an administrator may release a held mail: the platform's own mailboxes, searched by name or address.

Only addresses an identity of the platform holds can take a released mail (anything else is refused as
"domaine non servi" or "destinataire inconnu"), so the national directory, which mostly lists other
operators' addresses, is not what the release picker searches.
"""
from __future__ import annotations

from typing import Any

import peewee as pw

from kernel import delegate_counts, fold
from kernel.mail import normalize
from kernel.models import Account, Identity, MailAddress

# The picker's two groups: organisational mailboxes first (where an orphan mail usually belongs), then people.
GROUPS = (("structures", "structure"), ("professionals", "person"))
MAX_LIMIT = 50


def _rows() -> list[dict[str, Any]]:
    # Folded in Python rather than in SQL: SQLite's LOWER() ignores accents and non-ASCII capitals, and
    # "Hélène" must be found by "helene". One query, a few columns: fine for an administrator's search.
    query = (MailAddress.select(MailAddress.address, Identity.id, Identity.kind, Identity.display_name,
                                Account.profession, Account.active)
             .join(Identity).join(Account, pw.JOIN.LEFT_OUTER, on=(Account.identity == Identity.id))
             .order_by(Identity.display_name, MailAddress.address))
    return [{"address": normalize(address), "identity": {"id": identity_id, "kind": kind, "display_name": name},
             "profession": profession or "", "active": active is not False,
             "words": fold(f"{name} {address}")}
            for address, identity_id, kind, name, profession, active in query.tuples()]


def search_release_targets(q: str = "", group: str = "", limit: int = 10, offset: int = 0) -> dict[str, Any]:
    """``{"structures": [...], "professionals": [...], "more": {...}}``: addresses held on the platform whose
    holder's name or address contains every word of ``q`` (case and accents ignored); ``group`` pages one."""
    wanted = fold(q).split()
    found = [r for r in _rows() if all(w in r["words"] for w in wanted)]
    # « Aucun délégué ne lit cette boîte »: only the delegates who read it today (not a deactivated one).
    delegates = delegate_counts(r["identity"]["id"] for r in found if r["identity"]["kind"] == "structure")
    out: dict[str, Any] = {"more": {}}
    for key, kind in GROUPS:
        if group and group != key:
            continue
        rows = [r for r in found if r["identity"]["kind"] == kind]
        page = rows[offset:offset + limit] if group else rows[:limit]
        for row in page:
            row.pop("words", None)
            if kind == "structure":
                row["delegates"] = delegates.get(row["identity"]["id"], 0)
        out[key] = page
        out["more"][key] = len(rows) > (offset if group else 0) + len(page)
    return out


def release_target(address: str) -> dict[str, Any] | None:
    """The mailbox behind ``address`` as the picker shows it, or None when no identity holds it."""
    row = (Identity.select(Identity.id, Identity.kind, Identity.display_name).join(MailAddress)
           .where(pw.fn.LOWER(MailAddress.address) == normalize(address)).first())
    if row is None:
        return None
    return {"address": normalize(address), "identity": {"id": row.id, "kind": row.kind,
                                                         "display_name": row.display_name}}


def holders_of(addresses: list[str]) -> dict[str, dict[str, Any]]:
    """Address -> the identity now holding it, for the addresses held mail was meant for (one query)."""
    wanted = sorted({normalize(a) for a in addresses if a})
    if not wanted:
        return {}
    query = (MailAddress.select(MailAddress.address, Identity.id, Identity.kind, Identity.display_name).join(Identity)
             .where(pw.fn.LOWER(MailAddress.address).in_(wanted)))
    return {normalize(address): {"id": identity_id, "kind": kind, "display_name": name}
            for address, identity_id, kind, name in query.tuples()}
