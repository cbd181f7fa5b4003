"""Searching the audit trail (administrators): filters, newest first, pages, the rows as people read them, and
the CSV export. Lines name accounts, identities, exchanges and patients by id; names are read in one query
per kind for a whole page. No line holds a message's content (kernel.services.audit writes none)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable, Iterator
from zoneinfo import ZoneInfo

import peewee as pw

from ..models import Account, AuditEvent, Exchange, Identity
from ..spreadsheet import csv_lines

PARIS = ZoneInfo("Europe/Paris")  # dates typed and shown are French local dates and times
EXPORT_LIMIT = 100_000  # lines in one CSV file: more, and the administrator narrows the period
_CHUNK = 1000

# French labels of the actions the kernel writes. Lines of other actions (a plugin's: the kernel names none) are
# searchable too, under their own code: the list offered is this one plus what the trail holds.
ACTION_LABELS: dict[str, str] = {
    "login": "Connexion",
    "session.end": "Fin d'une session",
    "token.revoke": "Révocation d'un jeton d'accès",
    "account.password": "Changement de mot de passe",
    "account.deactivate": "Désactivation d'un compte",
    "account.reactivate": "Réactivation d'un compte",
    "acting_as.denied": "Action au nom d'autrui refusée",
    "exchange.create": "Nouvel échange",
    "exchange.consult": "Consultation d'un échange",
    "exchange.update": "Modification d'un échange",
    "exchange.members.add": "Ajout de participants",
    "exchange.synthesis": "Synthèse PDF d'un échange",
    "message.create": "Message envoyé",
    "attachment.upload": "Dépôt d'une pièce jointe",
    "patient.create": "Création d'une identité patient",
    "patient.reach_by_ins": "Patient retrouvé par son INS",
    "patient.reach_by_traits": "Patient retrouvé par ses traits d'identité",
    "patient.export": "Export des données d'un patient",
    "patient.find": "Patient recherché par un administrateur",
    "mail.receive": "Mail reçu",
    "mail.delete": "Mail supprimé",
    "mail.send.abandoned": "Envoi de mail abandonné",
    "retention.purge": "Purge des échanges expirés",
    "audit.export": "Export du journal d'audit",
    "login.psc": "Connexion Pro Santé Connect",
    "account.create": "Création d'un compte",
    "account.edit": "Modification d'un compte",
    "account.role": "Changement de rôle",
    "account.reset_link": "Lien de mot de passe",
    "structure.create": "Création d'une structure",
    "structure.edit": "Modification d'une structure",
    "structure.member_add": "Ajout d'un membre à une structure",
    "structure.member_remove": "Retrait d'un membre d'une structure",
    "delegation.grant": "Délégation accordée",
    "delegation.scope": "Portée d'une délégation modifiée",
    "delegation.withdraw": "Délégation retirée",
    "mail.imap.poll": "Relève IMAP",
    "mail.reply.refused": "Réponse à un fil clos refusée",
    "mail.send.refused": "Envoi de mail refusé",
    "mail.undelivered.discard": "Mail non distribué supprimé",
    "mail.undelivered.release": "Mail non distribué remis",
}
OUTCOME_LABELS: dict[str, str] = {"ok": "Réussi", "refused": "Refusé", "failed": "Échec", "throttled": "Ralenti"}


@dataclass(frozen=True)
class AuditFilters:
    account_id: int | None = None
    acting_as_id: int | None = None
    exchange_id: int | None = None
    patient_id: int | None = None
    action: str | None = None
    outcome: str | None = None
    start: dt.date | None = None  # first day, French local date, included
    end: dt.date | None = None  # last day, included


def known_actions() -> dict[str, str]:
    """Every action one may filter on, with its French label: the catalogue and whatever the trail holds."""
    present = [a for (a,) in AuditEvent.select(AuditEvent.action).distinct().tuples()]
    return {a: ACTION_LABELS.get(a, a) for a in sorted({*ACTION_LABELS, *present})}


def is_known_action(action: str) -> bool:
    """Whether one may filter on ``action``: one index lookup, not the whole list."""
    return action in ACTION_LABELS or AuditEvent.select().where(AuditEvent.action == action).exists()


def is_known_outcome(outcome: str) -> bool:
    return outcome in OUTCOME_LABELS or AuditEvent.select().where(AuditEvent.outcome == outcome).exists()


def known_outcomes() -> dict[str, str]:
    present = [o for (o,) in AuditEvent.select(AuditEvent.outcome).distinct().tuples()]
    return {o: OUTCOME_LABELS.get(o, o) for o in sorted({*OUTCOME_LABELS, *present})}


def local_midnight_utc(day: dt.date) -> dt.datetime:
    """The UTC instant a French local day starts (what the naive UTC ``at`` column is compared with)."""
    return dt.datetime.combine(day, dt.time(), PARIS).astimezone(dt.timezone.utc).replace(tzinfo=None)


def query(filters: AuditFilters) -> pw.SelectQuery:
    """The matching lines, newest first. A patient's lines include those about the patient's exchanges."""
    q = AuditEvent.select()
    if filters.account_id is not None:
        q = q.where(AuditEvent.account_id == filters.account_id)
    if filters.acting_as_id is not None:
        q = q.where(AuditEvent.acting_as_id == filters.acting_as_id)
    if filters.exchange_id is not None:
        q = q.where(AuditEvent.exchange_id == filters.exchange_id)
    if filters.patient_id is not None:
        exchanges = Exchange.select(Exchange.id).where(Exchange.patient == filters.patient_id)
        q = q.where((AuditEvent.patient_id == filters.patient_id) | AuditEvent.exchange_id.in_(exchanges))
    if filters.action:
        q = q.where(AuditEvent.action == filters.action)
    if filters.outcome:
        q = q.where(AuditEvent.outcome == filters.outcome)
    if filters.start is not None:
        q = q.where(AuditEvent.at >= local_midnight_utc(filters.start))
    if filters.end is not None:
        q = q.where(AuditEvent.at < local_midnight_utc(filters.end + dt.timedelta(days=1)))
    return q.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


def search(filters: AuditFilters, page: int = 1, per_page: int = 50) -> tuple[list[dict[str, Any]], bool]:
    """One page of lines as rows, and whether more follow (one line more is read instead of a count)."""
    events = list(query(filters).offset((page - 1) * per_page).limit(per_page + 1))
    return describe(events[:per_page]), len(events) > per_page


def describe(events: list[AuditEvent]) -> list[dict[str, Any]]:
    """Lines as rows, with the names of their accounts and identities (two queries for the whole list)."""
    account_ids = {e.account_id for e in events if e.account_id is not None}
    identity_ids = {e.acting_as_id for e in events if e.acting_as_id is not None}
    accounts = {a.id: a for a in Account.select(Account.id, Account.login, Account.first_name, Account.last_name)
                .where(Account.id.in_(account_ids))} if account_ids else {}
    identities = {i: name for i, name in Identity.select(Identity.id, Identity.display_name)
                  .where(Identity.id.in_(identity_ids)).tuples()} if identity_ids else {}
    rows = []
    for e in events:
        account = accounts.get(e.account_id)
        asked = e.request or {}
        rows.append({
            "id": e.id, "at": e.at.replace(tzinfo=dt.timezone.utc),
            "account": {"id": e.account_id, "login": account.login if account else "",
                        "name": account.full_name if account else ""} if e.account_id is not None else None,
            "acting_as": {"id": e.acting_as_id, "display_name": identities.get(e.acting_as_id, "")}
            if e.acting_as_id is not None else None,
            "action": e.action, "action_label": ACTION_LABELS.get(e.action, e.action),
            "target": e.target, "exchange_id": e.exchange_id, "patient_id": e.patient_id,
            "outcome": e.outcome, "outcome_label": OUTCOME_LABELS.get(e.outcome, e.outcome),
            "status": asked.get("status"), "method": asked.get("method", ""), "path": asked.get("path", ""),
            "remote_addr": asked.get("remote_addr", ""), "reason": asked.get("reason", "") or "",
            "detail": e.detail,
        })
    return rows


CSV_HEADER = ("Date et heure (Paris)", "Compte", "Identifiant", "Agissant pour", "Action", "Code de l'action",
              "Cible", "Échange", "Patient", "Résultat", "Statut HTTP", "Méthode", "Chemin", "Adresse IP",
              "Motif", "Détail")


def _csv_row(row: dict[str, Any]) -> list[Any]:
    account, acting = row["account"] or {}, row["acting_as"] or {}
    return [row["at"].astimezone(PARIS).strftime("%d/%m/%Y %H:%M:%S"), account.get("name", ""),
            account.get("login", ""), acting.get("display_name", ""), row["action_label"], row["action"],
            row["target"], row["exchange_id"] or "", row["patient_id"] or "", row["outcome_label"],
            row["status"] or "", row["method"], row["path"], row["remote_addr"], row["reason"], row["detail"]]


def _chunks(q: pw.SelectQuery) -> Iterable[list[AuditEvent]]:
    # Keyset pages (newest first): a long export neither holds every line in memory nor rereads with OFFSET.
    last: tuple[dt.datetime, int] | None = None
    left = EXPORT_LIMIT
    while left > 0:
        page = q
        if last is not None:
            page = page.where((AuditEvent.at < last[0]) | ((AuditEvent.at == last[0]) & (AuditEvent.id < last[1])))
        events = list(page.limit(min(_CHUNK, left)))
        if not events:
            return
        yield events
        left -= len(events)
        last = (events[-1].at, events[-1].id)


def export_csv(filters: AuditFilters) -> Iterator[str]:
    """The matching lines as a CSV file, in text chunks (at most EXPORT_LIMIT lines, newest first)."""
    rows = (_csv_row(row) for events in _chunks(query(filters)) for row in describe(events))
    return csv_lines(CSV_HEADER, rows)


def export_count(filters: AuditFilters) -> int:
    return query(filters).order_by().count()
