"""Telling open live sockets that what their accounts may receive shrank (the ``rights.changed`` event).

Every path that ends a way in or a right calls ``rights_changed`` inside its transaction: the event leaves
on commit, through the event bus, so it reaches the sockets of every instance (LISTEN/NOTIFY with the
postgres backend). Each open socket of the named accounts then re-checks its credential and what it sees
before delivering anything else (kernel/ws.py); the periodic re-check (``ws_recheck_seconds``) covers what
did not come through the bus.
"""
from __future__ import annotations

from typing import Iterable

from ..db import utcnow, write_transaction
from ..models import Delegation
from .events import Event, publish_on_commit

SESSION = "session"
TOKEN = "token"
ACCOUNT = "account"
DELEGATION = "delegation"
MEMBERSHIP = "membership"
REASONS = (SESSION, TOKEN, ACCOUNT, DELEGATION, MEMBERSHIP)


def rights_changed(account_ids: Iterable[int], reason: str) -> None:
    """Publish, once the current transaction commits, that these accounts lost a session, a token, their
    account, a delegation or a membership (``reason``, one of ``REASONS``)."""
    if reason not in REASONS:
        raise ValueError(f"unknown reason {reason!r}: one of {', '.join(REASONS)}")
    recipients = tuple(sorted({int(a) for a in account_ids}))
    if recipients:
        publish_on_commit(Event("rights.changed", None, recipients, {"reason": reason}))


def withdraw_delegation(delegation_id: int) -> bool:
    """End a delegation: its delegate no longer acts for, nor sees the exchanges of, its principal, and the
    delegate's open live sockets re-check at once. False if it was not in force."""
    with write_transaction():
        delegate = (Delegation.select(Delegation.delegate)
                    .where((Delegation.id == delegation_id) & Delegation.revoked_at.is_null()).scalar())
        if delegate is None:
            return False
        Delegation.update(revoked_at=utcnow()).where(Delegation.id == delegation_id).execute()
        rights_changed([delegate], DELEGATION)
    return True
