"""Audit: record who did what, when, the request and the outcome; never the content of a message."""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from flask import has_request_context, request

from ..db import insert_row, utcnow
from ..models import AuditEvent

log = logging.getLogger("relais.audit")


def request_summary(status: int | None = None, reason: str = "") -> dict[str, Any]:
    """What is kept of an HTTP request: method, path, address, agent and the answer, no body."""
    if not has_request_context():
        return {"status": status, "reason": reason} if status or reason else {}
    return {
        "method": request.method, "path": request.path, "remote_addr": request.remote_addr,
        "user_agent": (request.user_agent.string or "")[:200], "status": status, "reason": reason,
    }


class Audit:
    def record(self, action: str, *, account_id: int | None = None, acting_as_id: int | None = None,
               target: str = "", outcome: str = "ok", status: int | None = None, reason: str = "",
               detail: str = "", request_data: dict[str, Any] | None = None) -> AuditEvent:
        values = {"at": utcnow(), "account_id": account_id, "acting_as_id": acting_as_id, "action": action,
                  "target": target, "outcome": outcome, "detail": detail[:1000],
                  "request": request_data if request_data is not None else request_summary(status, reason)}
        # Written on every send: the statement is built once (kernel.db.insert_row), not per call.
        event = AuditEvent(id=insert_row(AuditEvent, values), **values)
        log.info("%s %s by=%s as=%s outcome=%s", action, target, account_id, acting_as_id, outcome)
        return event

    def purge(self, retention_days: int) -> int:
        cutoff = utcnow() - dt.timedelta(days=retention_days)
        return AuditEvent.delete().where(AuditEvent.at < cutoff).execute()
