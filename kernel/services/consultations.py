"""Who consulted an exchange (a patient's right to know who saw their data): one ``exchange.consult`` audit line
per account, exchange (or attachment of it) and hour, with the identity the account saw it through and the
exchange's channel; never its content (no subject, no file name: ids only), always its patient.

Opening a thread makes several requests (the page, the exchange, its messages, later polls): the hour window
keeps that to one line. A per-app memory spares the lookup on this node; the database answers across nodes.

Which requests consult (kernel/api/consultations.py records them after a successful response):
- the kernel's thread page and exchange routes (by endpoint name);
- any route marked ``@consults_exchange(via, label)`` whose URL holds ``exchange_id`` (a plugin's panel that
  shows an exchange's content, e.g. a request's structured answers about the patient);
- what a route notes with ``note_consultation(exchange_id, via=..., target=...)`` (an attachment's download,
  for each exchange that carries it). Both are in the public plugin API (``kernel``);
- a file pushed into hospital software (``record_push``, from kernel/services/integration.py), for each
  exchange that carries it, as its download is.
"""
from __future__ import annotations

import datetime as dt
import threading
from typing import Callable, TypeVar

from flask import current_app, has_request_context, request

from ..db import utcnow
from ..models import Account, AuditEvent, Exchange, Membership, Message, MessageAttachment
from ..relais import current_relais
from .acting_as import identity_ids, visible_exchanges
from .audit_search import describe

CONSULT = "exchange.consult"
WINDOW = dt.timedelta(hours=1)
_MEMORY_LIMIT = 50_000  # remembered (account, exchange) pairs per process before the stale ones are dropped


class RecentConsultations:
    """(account, exchange, target) -> when this node last knew of a consultation line: no query within the hour."""

    def __init__(self) -> None:
        self._seen: dict[tuple[int, int, str], dt.datetime] = {}
        self._lock = threading.Lock()

    def fresh(self, key: tuple[int, int, str], now: dt.datetime) -> bool:
        at = self._seen.get(key)
        return at is not None and now - at < WINDOW

    def remember(self, key: tuple[int, int, str], at: dt.datetime) -> None:
        with self._lock:
            if len(self._seen) >= _MEMORY_LIMIT:
                cutoff = at - WINDOW
                self._seen = {k: v for k, v in self._seen.items() if v > cutoff}
            self._seen[key] = at


def _memory() -> RecentConsultations:
    # Per app (Flask extension state), never a global: two apps in one process keep their own.
    return current_app.extensions.setdefault("relais_consultations", RecentConsultations())


# How an exchange was consulted (the line's ``via=``) -> what « Qui a consulté ? » says: the kernel's own. A
# plugin's come from its marked routes (``consults_exchange(via, label)``), read per app (_via_labels).
PUSHED = "integration"  # a file pushed into hospital software (« Envoyer vers mon logiciel »)
VIA_LABELS = {"page": "Le fil, dans le navigateur", "api": "Un logiciel (API)",
              "attachment": "Une pièce jointe, ouverte ou téléchargée",
              PUSHED: "Une pièce jointe, envoyée vers un logiciel ou un dossier patient"}
_PENDING = "relais.consultations"  # key of the request's noted consultations in the WSGI environ
View = TypeVar("View", bound=Callable)


def consults_exchange(via: str, label: str = "") -> Callable[[View], View]:
    """Mark a route that shows an exchange's content (its messages, a panel's answers about the patient): each
    successful GET of it is an ``exchange.consult`` line, as opening the thread is. The route's URL must hold
    ``exchange_id``; the route itself still checks that the account may see the exchange (``can_see``).
    ``via``: a short name kept in the line (your plugin's name); ``label``: how « Qui a consulté ? » shows it
    (« Le panneau de la demande »)."""
    if not via or any(c.isspace() or c == "=" for c in via):
        raise ValueError(f"consults_exchange: via {via!r} must be one word")

    def mark(view: View) -> View:
        view.relais_consults = via  # type: ignore[attr-defined]  read by kernel/api/consultations.py
        view.relais_consults_label = label  # type: ignore[attr-defined]  read by _via_labels
        return view
    return mark


def _via_labels() -> dict[str, str]:
    """``via`` -> French label: the kernel's, then those of the app's marked routes (kept per app)."""
    labels = current_app.extensions.get("relais_consult_labels")
    if labels is None:
        labels = dict(VIA_LABELS)
        for view in current_app.view_functions.values():
            via, label = getattr(view, "relais_consults", None), getattr(view, "relais_consults_label", "")
            if via and label:
                labels.setdefault(via, label)
        current_app.extensions["relais_consult_labels"] = labels
    return labels


def note_consultation(exchange_id: int, *, via: str, target: str | None = None) -> None:
    """Within a request: the signed-in account consults ``exchange_id`` (``target``: what of it, e.g.
    ``attachment:12``; default the exchange). The line is written after the response, only if it succeeds
    (2xx or 304), once per account, target and hour. Call it only once the account's right is checked."""
    if has_request_context():
        request.environ.setdefault(_PENDING, []).append((int(exchange_id), via, target))


def noted_consultations() -> list[tuple[int, str, str | None]]:
    """What the current request noted with ``note_consultation``."""
    return list(request.environ.get(_PENDING, ())) if has_request_context() else []


def record_consultation(account: Account, exchange_id: int, *, via: str, target: str | None = None) -> bool:
    """Write the consultation line unless one was written within the hour for the same account and ``target``
    (default ``exchange:<id>``; an attachment's download: ``attachment:<id>``); ``via`` says how ("page",
    "api", "attachment", a plugin's). Returns whether a line was written."""
    now = utcnow()
    target = target or f"exchange:{exchange_id}"
    key = (account.id, exchange_id, target)
    memory = _memory()
    if memory.fresh(key, now):
        return False
    last = (AuditEvent.select(AuditEvent.at)
            .where((AuditEvent.exchange_id == exchange_id) & (AuditEvent.account_id == account.id)
                   & (AuditEvent.action == CONSULT) & (AuditEvent.target == target)
                   & (AuditEvent.at > now - WINDOW))
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
                                  target=target, exchange_id=exchange_id,
                                  patient_id=exchange.patient_id, status=200,
                                  detail=f"channel={exchange.channel} via={via}")
    memory.remember(key, now)
    return True


def exchanges_carrying(attachment_id: int, account_id: int) -> list[int]:
    """The exchanges the account sees that carry the attachment (one query): reading the file, or sending it
    out of the platform, consults each of them."""
    return sorted({e for (e,) in MessageAttachment.select(Message.exchange).join(Message)
                   .where((MessageAttachment.attachment == attachment_id)
                          & Message.exchange.in_(visible_exchanges(account_id))).distinct().tuples()})


def record_push(account: Account, attachment_id: int) -> None:
    """A file the account pushes into hospital software (« Envoyer vers mon logiciel », a send screen's copy)
    leaves the platform for a place where the account reads it: as a download, a consultation line per
    exchange it sees that carries the file (``attachment:<id>``, via ``integration``), by the same rule: once
    per account, file and hour, whichever way it was read. An upload not yet sent: no exchange, no line."""
    for exchange_id in exchanges_carrying(attachment_id, account.id):
        record_consultation(account, exchange_id, via=PUSHED, target=f"attachment:{attachment_id}")


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


def _via_label(via: str, target: str) -> str:
    label = _via_labels().get(via, via)
    kind, _, number = target.partition(":")
    return f"{label} (n° {number})" if kind == "attachment" and number else label


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
        via = _detail_fact(line.detail, "via")
        rows.append({"at": row["at"], "account": row["account"], "acting_as": row["acting_as"],
                     "exchange_id": line.exchange_id, "subject": subjects.get(line.exchange_id),
                     "channel": channel, "channel_label": channel_text(channel),
                     "via": via, "via_label": _via_label(via, line.target or ""),
                     "target": line.target or f"exchange:{line.exchange_id}"})
    return rows, has_more
