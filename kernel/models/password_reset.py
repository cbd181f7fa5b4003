"""One-time links to choose a password: only a hash of the link's secret is kept."""
from __future__ import annotations

import peewee as pw

from ..db import BaseModel, utcnow
from .account import Account


class PasswordReset(BaseModel):
    """A link an administrator passes on; used once, before ``expires_at`` (setting ``password_reset_hours``)."""

    account = pw.ForeignKeyField(Account, backref="password_resets", on_delete="CASCADE")
    token_hash = pw.CharField(max_length=64, unique=True)
    created_by = pw.ForeignKeyField(Account, null=True, on_delete="SET NULL")
    created_at = pw.DateTimeField(default=utcnow)
    expires_at = pw.DateTimeField()
    used_at = pw.DateTimeField(null=True)
