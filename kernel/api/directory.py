"""Directory search over platform identities (accounts and structures).

The national directory import and its ranked search come with the directory work; this is the part
every send screen needs today: find a colleague or a structure that has a platform presence.
"""
from __future__ import annotations

from typing import Any

import peewee as pw
from flask import jsonify, request

from ..auth import api_login_required
from ..models import Account, Identity, MailAddress
from . import api
from .errors import fail


@api.get("/directory")
@api_login_required
def search_directory() -> Any:
    q = request.args.get("q", "").strip()
    kind = request.args.get("kind", "")
    if kind not in ("", "account", "mssante"):
        fail(400, "Le filtre doit être « account » ou « mssante ».", "kind")
    limit = min(int(request.args.get("limit", "10")) if request.args.get("limit", "10").isdigit() else 10, 50)
    query = (Identity.select(Identity, Account)
             .join(Account, pw.JOIN.LEFT_OUTER, on=(Account.identity == Identity.id)))
    for word in q.split():
        pattern = f"%{word}%"
        query = query.where(Identity.display_name ** pattern | Account.profession ** pattern)
    query = query.where(Account.active | Account.id.is_null())
    if kind == "mssante":
        query = query.where(Identity.id.in_(MailAddress.select(MailAddress.identity)))
    rows = list(query.order_by(Identity.display_name).limit(limit + 1))
    ids = [r.id for r in rows[:limit]]
    addresses: dict[int, list[str]] = {}
    for identity_id, address in MailAddress.select(MailAddress.identity, MailAddress.address) \
            .where(MailAddress.identity.in_(ids)).tuples():
        addresses.setdefault(identity_id, []).append(address)
    people, services = [], []
    for r in rows[:limit]:
        account = getattr(r, "account", None)
        has_account = account is not None and account.id is not None
        entry: dict[str, Any] = {"id": r.id, "kind": r.kind, "display_name": r.display_name,
                                 "profession": account.profession if has_account else (r.structure_type or ""),
                                 "has_account": has_account or r.kind == "structure",
                                 "addresses": addresses.get(r.id, [])}
        (services if r.kind == "structure" else people).append(entry)
    return jsonify(professionals=people, services=services, has_more=len(rows) > limit)
