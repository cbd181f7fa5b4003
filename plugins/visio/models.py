"""The visio plugin's tables: a call of an exchange, and who takes part in it (one row per page that joined)."""
from __future__ import annotations

import peewee as pw

from kernel import BaseModel, utcnow
from kernel.models import Account, Exchange

# A participant's page is in the call (JOINED) until it leaves or stops beating (LEFT); an account that
# declined the invitation has one DECLINED row without a page.
JOINED, LEFT, DECLINED = "joined", "left", "declined"


class VisioCall(BaseModel):
    """One video call of an exchange; at most one is ongoing (``ended_at`` null) per exchange at a time."""

    exchange = pw.ForeignKeyField(Exchange, backref="visio_calls", on_delete="CASCADE")
    key = pw.CharField(max_length=64, unique=True)  # unguessable: names the call's room at a provider
    provider = pw.CharField(max_length=40, default="webrtc")  # "webrtc" (built-in mesh) or a plugin's VideoRoom
    started_by = pw.ForeignKeyField(Account, null=True, on_delete="SET NULL")
    started_at = pw.DateTimeField(default=utcnow)
    ended_at = pw.DateTimeField(null=True, index=True)

    class Meta:
        table_name = "visio_call"


class VisioParticipant(BaseModel):
    """A page of ``account`` in ``call`` (``peer`` names it in the signalling), or the account's refusal."""

    call = pw.ForeignKeyField(VisioCall, backref="participants", on_delete="CASCADE")
    account = pw.ForeignKeyField(Account, on_delete="CASCADE")
    peer = pw.CharField(max_length=40, null=True, unique=True)  # server-made; null for a refusal
    state = pw.CharField(max_length=10, default=JOINED)
    joined_at = pw.DateTimeField(default=utcnow)
    last_seen = pw.DateTimeField(default=utcnow)
    left_at = pw.DateTimeField(null=True)

    class Meta:
        table_name = "visio_participant"
        indexes = ((("call", "state"), False),)
