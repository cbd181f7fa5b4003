"""Browser sessions kept on the server: the cookie only names one, so the server can end it."""
from __future__ import annotations

import peewee as pw

from ..db import BaseModel, utcnow
from .account import Account


class BrowserSession(BaseModel):
    """A signed-in browser. Its cookie carries a random secret; only the secret's SHA-256 is kept here, so
    a copy of this table opens no session. Logging out, a password change or a deactivation sets ``ended_at``."""

    account = pw.ForeignKeyField(Account, backref="browser_sessions", on_delete="CASCADE")
    token_hash = pw.CharField(max_length=64, unique=True)
    created_at = pw.DateTimeField(default=utcnow)
    last_seen_at = pw.DateTimeField(default=utcnow)
    ended_at = pw.DateTimeField(null=True)
    user_agent = pw.CharField(max_length=100, default="")  # a summary ("Firefox sous Windows"), shown to its owner
    remote_addr = pw.CharField(max_length=64, default="")
    # Opened through Pro Santé Connect: its id_token, sent back as id_token_hint when the session logs out.
    psc_id_token = pw.TextField(null=True)
