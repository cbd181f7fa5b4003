"""The held-mail list as the administrators' page shows it: local times, who holds the intended address now,
who settled each mail and where a released one went. A fixed number of queries, whatever the rows."""
from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from kernel.models import Account, AuditEvent

from .release_targets import holders_of

RELEASE_ACTION = "mail.undelivered.release"


def local_time(value: dt.datetime | None, zone: ZoneInfo) -> str | None:
    """A stored (naive UTC) timestamp as local time with its offset: ``2026-07-01T14:00:00.000+02:00``."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.timezone.utc).astimezone(zone).isoformat(timespec="milliseconds")


def describe_rows(rows: list[dict[str, Any]], zone: ZoneInfo) -> None:
    """Add ``created_at_local``, ``resolved_at_local``, ``mailbox_holder`` (the identity holding the intended
    address now, or None), ``resolved_by_name`` and ``released_to`` (address and holder) to each row."""
    holders = holders_of([r["mailbox"] for r in rows])
    names = _account_names({r["resolved_by"] for r in rows if r["resolved_by"]})
    targets = _release_targets([r["id"] for r in rows if r["status"] == "released"])
    target_holders = holders_of(list(targets.values()))
    for row in rows:
        row["created_at_local"] = local_time(row["created_at"], zone)
        row["resolved_at_local"] = local_time(row["resolved_at"], zone)
        row["mailbox_holder"] = holders.get(row["mailbox"])
        row["resolved_by_name"] = names.get(row["resolved_by"]) if row["resolved_by"] else None
        address = targets.get(row["id"])
        row["released_to"] = {"address": address, "identity": target_holders.get(address)} if address else None


def _account_names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    query = Account.select(Account.id, Account.first_name, Account.last_name).where(Account.id.in_(sorted(ids)))
    return {a.id: a.full_name for a in query}


def _release_targets(held_ids: list[int]) -> dict[int, str]:
    """Where each released mail went: the address of its successful release, as the audit trail recorded it."""
    if not held_ids:
        return {}
    events = (AuditEvent.select(AuditEvent.target, AuditEvent.request)
              .where((AuditEvent.action == RELEASE_ACTION) & (AuditEvent.outcome == "ok")
                     & AuditEvent.target.in_([f"undelivered:{i}" for i in held_ids])))
    out: dict[int, str] = {}
    for event in events:
        address = (event.request or {}).get("rcpt_to")
        if address:
            out[int(event.target.split(":", 1)[1])] = address
    return out
