"""Audit: record who did what, when, the request and the outcome; never the content of a message."""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from flask import has_request_context, request

from ..db import utcnow
from ..statements import insert_later, insert_row
from ..models import AuditEvent

log = logging.getLogger("relais.audit")


def request_summary(status: int | None = None, reason: str = "") -> dict[str, Any]:
    """What is kept of an HTTP request: method, path, address, agent and the answer, no body."""
    if not has_request_context():
        return {"status": status, "reason": reason} if status or reason else {}
    return {
        "method": request.method, "path": request.path, "remote_addr": request.remote_addr,
        # The header as sent: werkzeug's request.user_agent builds an object around it on every send.
        "user_agent": request.headers.get("User-Agent", "")[:200], "status": status, "reason": reason,
    }


def target_ids(target: str) -> tuple[int | None, int | None]:
    """(exchange id, patient id) named by an audit target such as "exchange:12" or "patient:7"."""
    kind, _, ref = target.partition(":")
    if not (ref.isascii() and ref.isdigit() and len(ref) <= 18):
        return None, None
    if kind == "exchange":
        return int(ref), None
    if kind == "patient":
        return None, int(ref)
    return None, None


class Audit:
    def record(self, action: str, *, account_id: int | None = None, acting_as_id: int | None = None,
               target: str = "", outcome: str = "ok", status: int | None = None, reason: str = "",
               detail: str = "", request_data: dict[str, Any] | None = None, exchange_id: int | None = None,
               patient_id: int | None = None, later: bool = False) -> AuditEvent:
        """``exchange_id``/``patient_id``: what the line is about, for the audit search; read off ``target``
        ("exchange:12", "patient:7") when not given, without a query: a caller that has the exchange's patient
        at hand passes it, a search by patient also finds the lines of the patient's exchanges. ``later``: the
        line's id is not needed (the event returned has none), and on PostgreSQL, in a transaction, it is written
        with the transaction's next round trip (kernel.statements.insert_later): a send's line leaves with its
        COMMIT."""
        if target and exchange_id is None:
            exchange_id, named_patient = target_ids(target)
            patient_id = named_patient if patient_id is None else patient_id
        values = {"at": utcnow(), "account_id": account_id, "acting_as_id": acting_as_id, "action": action,
                  "target": target, "outcome": outcome, "detail": detail[:1000],
                  "request": request_data if request_data is not None else request_summary(status, reason),
                  "exchange_id": exchange_id, "patient_id": patient_id}
        # Written on every send: the statement is built once (kernel.statements.insert_row), not per call.
        if later:
            insert_later(AuditEvent, values)
            event = AuditEvent(**values)
        else:
            event = AuditEvent(id=insert_row(AuditEvent, values), **values)
        log.info("%s %s by=%s as=%s outcome=%s", action, target, account_id, acting_as_id, outcome)
        return event

    def purge(self, retention_days: int) -> int:
        cutoff = utcnow() - dt.timedelta(days=retention_days)
        return AuditEvent.delete().where(AuditEvent.at < cutoff).execute()
