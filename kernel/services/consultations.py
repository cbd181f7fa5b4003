"""Who consulted an exchange (a patient's right to know who saw their data): one ``exchange.consult`` audit line
per account, exchange and hour, with the identity the account saw it through and the exchange's channel.

Opening a thread makes several requests (the page, the exchange, its messages, later polls): the hour window
keeps that to one line. A per-app memory spares the lookup on this node; the database answers across nodes.
"""
from __future__ import annotations

import datetime as dt
import threading

from flask import current_app

from ..db import utcnow
from ..models import Account, AuditEvent, Exchange, Membership
from ..relais import current_relais
from .acting_as import identity_ids

CONSULT = "exchange.consult"
WINDOW = dt.timedelta(hours=1)
_MEMORY_LIMIT = 50_000  # remembered (account, exchange) pairs per process before the stale ones are dropped


class RecentConsultations:
    """(account, exchange) -> when this node last knew of a consultation line: no query within the hour."""

    def __init__(self) -> None:
        self._seen: dict[tuple[int, int], dt.datetime] = {}
        self._lock = threading.Lock()

    def fresh(self, key: tuple[int, int], now: dt.datetime) -> bool:
        at = self._seen.get(key)
        return at is not None and now - at < WINDOW

    def remember(self, key: tuple[int, int], at: dt.datetime) -> None:
        with self._lock:
            if len(self._seen) >= _MEMORY_LIMIT:
                cutoff = at - WINDOW
                self._seen = {k: v for k, v in self._seen.items() if v > cutoff}
            self._seen[key] = at


def _memory() -> RecentConsultations:
    # Per app (Flask extension state), never a global: two apps in one process keep their own.
    return current_app.extensions.setdefault("relais_consultations", RecentConsultations())


def record_consultation(account: Account, exchange_id: int, *, via: str) -> bool:
    """Write the consultation line unless one was written within the hour; ``via`` says how ("page", "api").
    Returns whether a line was written."""
    now = utcnow()
    key = (account.id, exchange_id)
    memory = _memory()
    if memory.fresh(key, now):
        return False
    last = (AuditEvent.select(AuditEvent.at)
            .where((AuditEvent.exchange_id == exchange_id) & (AuditEvent.account_id == account.id)
                   & (AuditEvent.action == CONSULT) & (AuditEvent.at > now - WINDOW))
            .order_by(AuditEvent.at.desc()).limit(1).scalar())
    if last is not None:
        memory.remember(key, last)
        return False
    exchange = Exchange.select(Exchange.id, Exchange.channel, Exchange.patient).where(Exchange.id == exchange_id).first()
    if exchange is None:
        return False
    mine = identity_ids(account.id)
    through = [i for (i,) in Membership.select(Membership.identity).where(
        (Membership.exchange == exchange_id) & Membership.identity.in_(mine)).tuples()] if mine else []
    # Seen as oneself when one is a member; otherwise through the identity one is a delegate of.
    acting_as = account.identity_id if account.identity_id in through else (min(through) if through else None)
    current_relais().audit.record(CONSULT, account_id=account.id, acting_as_id=acting_as,
                                  target=f"exchange:{exchange_id}", exchange_id=exchange_id,
                                  patient_id=exchange.patient_id, status=200,
                                  detail=f"channel={exchange.channel} via={via}")
    memory.remember(key, now)
    return True
