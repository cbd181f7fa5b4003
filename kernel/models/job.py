"""Persisted jobs: written in the same transaction as what they act on (transactional outbox)."""
from __future__ import annotations

import peewee as pw

from ..db import BaseModel, JSONField, utcnow

PENDING, RUNNING, DONE, FAILED = "pending", "running", "done", "failed"


class Job(BaseModel):
    name = pw.CharField(max_length=100)
    payload = JSONField(default=dict)
    status = pw.CharField(max_length=10, default=PENDING)
    run_at = pw.DateTimeField(default=utcnow)
    attempts = pw.IntegerField(default=0)
    max_attempts = pw.IntegerField(default=8)
    # Unique when set: a recurring job's slot, or a caller's idempotency key, so it runs once.
    dedupe_key = pw.CharField(max_length=200, null=True, unique=True)
    locked_by = pw.CharField(max_length=100, null=True)
    locked_at = pw.DateTimeField(null=True)
    last_error = pw.TextField(null=True)
    created_at = pw.DateTimeField(default=utcnow)
    finished_at = pw.DateTimeField(null=True)

    class Meta:
        indexes = ((("status", "run_at"), False),)
