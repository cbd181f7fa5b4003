"""The requests one deals with (TE-5): the expert's queue ("à traiter" first, oldest first, with the age of
each) and the requester's own requests, filterable by status. Three queries per list, whatever its length."""
from __future__ import annotations

from typing import Any

import peewee as pw

from kernel import iso_utc
from kernel.models import Account, Exchange, Identity, Patient

from .models import DEMANDEE, EN_COURS, STATUS_LABELS, Request
from .sides import identities_of
from .statuses import LEVELS

ROLES = ("expert", "requester", "all")
TO_HANDLE = (DEMANDEE, EN_COURS)


def _where(account: Account, role: str) -> Any:
    mine = identities_of(account)
    # A person-to-person delegation gives no expert side (sides.py): it only sees the threads.
    expert = Request.expert_identity.in_(sorted(mine.expert))
    requester = Request.requester.in_(sorted(mine.all)) | (Request.requested_by == account.id)
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
    query = Request.select(Request, Exchange.subject).join(Exchange, on=(Request.exchange == Exchange.id)).where(where)
    total = query.count()
    rows = list(query.order_by(group, oldest_first.asc(), Request.requested_at.desc(), Request.id.desc())
                .limit(limit).offset(offset).objects())
    # Patients and names once for the page: one query each, whatever its length.
    patients = {p.id: p for p in Patient.select().where(Patient.id.in_({r.patient_id for r in rows}))} if rows else {}
    wanted = {r.expert_identity_id for r in rows} | {r.requester_id for r in rows}
    names = {i.id: i.display_name for i in Identity.select(Identity.id, Identity.display_name)
             .where(Identity.id.in_(wanted))} if rows else {}
    mine = set(identities_of(account).expert)
    return [_row(r, patients[r.patient_id], names, mine, account) for r in rows], total


def _row(r: Any, patient: Patient, names: dict[int, str], mine: set[int], account: Account) -> dict[str, Any]:
    expert_side = r.expert_identity_id in mine
    return {
        "id": r.id, "exchange_id": r.exchange_id, "subject": r.subject, "status": r.status,
        "status_label": STATUS_LABELS[r.status], "level": LEVELS[r.status],
        "to_handle": expert_side and r.status in TO_HANDLE,
        "side": "expert" if expert_side else "requester",
        # A member of a department sees whom a request was for: the department, not oneself.
        "for_structure": expert_side and r.expert_identity_id != account.identity_id,
        "patient": {"id": patient.id, "display_name": patient.display_name},
        "expert": names.get(r.expert_identity_id, ""), "requester": names.get(r.requester_id, ""),
        "requested_at": iso_utc(r.requested_at), "status_changed_at": iso_utc(r.status_changed_at),
        "answers": len(r.answers or []),
    }
