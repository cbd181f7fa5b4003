"""Audit trail (MSSanté client requirement): who did what, when, the request and its outcome; never content."""
from __future__ import annotations

import peewee as pw

from ..db import BaseModel, JSONField, utcnow


class AuditEvent(BaseModel):
    at = pw.DateTimeField(default=utcnow, index=True)
    account_id = pw.IntegerField(null=True, index=True)  # kept even if the account is deleted
    acting_as_id = pw.IntegerField(null=True, index=True)
    action = pw.CharField(max_length=80, index=True)
    target = pw.CharField(max_length=120, default="")
    outcome = pw.CharField(max_length=20, default="ok", index=True)
    request = JSONField(default=dict)  # method, path, address, user agent; response status and reason
    detail = pw.TextField(default="")
    # What the audit search filters on, read off ``target`` (or given) when the line is written: plain ids,
    # so a line outlives the exchange or patient it names (a purge keeps its audit lines).
    exchange_id = pw.IntegerField(null=True, index=True)
    patient_id = pw.IntegerField(null=True, index=True)
