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
from .audit_search import describe

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


SPACE_LABELS = {"chat": "Conversations", "mail": "Messagerie sécurisée"}


def channel_text(name: str, space: str | None = None) -> str:
    """A channel as an administrator reads it: its space and its name (« Messagerie sécurisée · <name> »);
    a channel's own label says what its « + » button does (« Démarrer une conversation »), not what it is."""
    channel = current_relais().channels.get(name)
    space = channel.space if channel is not None else space
    return f"{SPACE_LABELS[space]} · {name}" if space in SPACE_LABELS else name


def _detail_fact(detail: str, key: str) -> str:
    for part in detail.split():
        name, _, value = part.partition("=")
        if name == key:
            return value
    return ""


def consultations_of(patient_id: int, limit: int = 200, offset: int = 0) -> tuple[list[dict], bool]:
    """Who opened the patient's exchanges, newest first: the account, the identity it acted for, when, which
    exchange (its subject while it exists) and which channel. A few queries for the whole page."""
    exchanges = Exchange.select(Exchange.id).where(Exchange.patient == patient_id)
    lines = list(AuditEvent.select().where(
        (AuditEvent.action == CONSULT)
        & ((AuditEvent.patient_id == patient_id) | AuditEvent.exchange_id.in_(exchanges)))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).offset(offset).limit(limit + 1))
    has_more = len(lines) > limit
    lines = lines[:limit]
    subjects = {i: s for i, s in Exchange.select(Exchange.id, Exchange.subject)
                .where(Exchange.id.in_({line.exchange_id for line in lines})).tuples()} if lines else {}
    rows = []
    for line, row in zip(lines, describe(lines)):
        channel = _detail_fact(line.detail, "channel")
        rows.append({"at": row["at"], "account": row["account"], "acting_as": row["acting_as"],
                     "exchange_id": line.exchange_id, "subject": subjects.get(line.exchange_id),
                     "channel": channel, "channel_label": channel_text(channel),
                     "via": _detail_fact(line.detail, "via")})
    return rows, has_more
