"""The requests one deals with (TE-5): the expert's queue ("à traiter" first, oldest first, with the age of
each) and the requester's own requests, filterable by status. Three queries per list, whatever its length."""
from __future__ import annotations

from typing import Any

import peewee as pw

from kernel import iso_utc
from kernel.models import Account, Exchange, Identity, Patient

from .models import DEMANDEE, EN_COURS, STATUS_LABELS, Request
from .sides import identity_ids
from .statuses import LEVELS

ROLES = ("expert", "requester", "all")
TO_HANDLE = (DEMANDEE, EN_COURS)


def _mine(account: Account) -> list[int]:
    return sorted(identity_ids(account))


def _where(account: Account, role: str) -> Any:
    mine = _mine(account)
    expert = Request.expert_identity.in_(mine)
    requester = Request.requester.in_(mine) | (Request.requested_by == account.id)
    return expert if role == "expert" else requester if role == "requester" else (expert | requester)


def to_handle(account: Account) -> int:
    """Requests waiting for the account's expert side: the menu link's badge."""
    return Request.select().where(_where(account, "expert") & Request.status.in_(TO_HANDLE)).count()


def counts(account: Account) -> dict[str, dict[str, int]]:
    """How many requests per status, on each side: the filter's numbers."""
    out: dict[str, dict[str, int]] = {}
    for role in ("expert", "requester"):
        rows = (Request.select(Request.status, pw.fn.COUNT(Request.id)).where(_where(account, role))
                .group_by(Request.status).tuples())
        out[role] = {status: n for status, n in rows}
    return out


def requests_for(account: Account, role: str, statuses: list[str], limit: int = 50,
                 offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    where = _where(account, role)
    if statuses:
        where &= Request.status.in_(statuses)
    waiting = Request.status.in_(TO_HANDLE)
    group = pw.Case(None, [(waiting, 0)], 1)
    oldest_first = pw.Case(None, [(waiting, Request.requested_at)], None)
    expert, requester = Identity.alias(), Identity.alias()
    query = (Request.select(Request, Exchange.subject, Patient, expert.display_name.alias("expert_name"),
                            requester.display_name.alias("requester_name"))
             .join(Exchange, on=(Request.exchange == Exchange.id))
             .switch(Request).join(Patient, on=(Request.patient == Patient.id))
             .switch(Request).join(expert, on=(Request.expert_identity == expert.id))
             .switch(Request).join(requester, on=(Request.requester == requester.id))
             .where(where))
    total = query.count()
    rows = query.order_by(group, oldest_first.asc(), Request.requested_at.desc(), Request.id.desc()) \
        .limit(limit).offset(offset)
    mine = set(_mine(account))
    return [_row(r, mine, account) for r in rows.objects()], total


def _row(r: Any, mine: set[int], account: Account) -> dict[str, Any]:
    expert_side = r.expert_identity_id in mine
    return {
        "id": r.id, "exchange_id": r.exchange_id, "subject": r.subject, "status": r.status,
        "status_label": STATUS_LABELS[r.status], "level": LEVELS[r.status],
        "to_handle": expert_side and r.status in TO_HANDLE,
        "side": "expert" if expert_side else "requester",
        # A member of a department sees whom a request was for: the department, not oneself.
        "for_structure": expert_side and r.expert_identity_id != account.identity_id,
        "patient": {"id": r.patient.id, "display_name": r.patient.display_name},
        "expert": r.expert_name, "requester": r.requester_name,
        "requested_at": iso_utc(r.requested_at), "status_changed_at": iso_utc(r.status_changed_at),
        "answers": len(r.answers or []),
    }
