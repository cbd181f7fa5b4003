"""The patient-data export of a right-of-access request: every exchange about one patient, whatever its
channel and whoever took part, as one PDF for the administrator who handles the request (audited
``patient.export``). Messages with their authors and times; attachments listed by name, type and size."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape

from ..db import utcnow
from ..models import Account, Exchange, Message, Patient
from ..relais import current_relais
from .behalf import acted_for_labels
from .consultations import channel_text
from .threads import attach, members_of

PARIS = ZoneInfo("Europe/Paris")
SEXES = {"F": "Féminin", "M": "Masculin", "I": "Indéterminé"}
_templates = Environment(loader=FileSystemLoader(Path(__file__).resolve().parent.parent / "templates"),
                         autoescape=select_autoescape(["html"]))


def local_text(moment: dt.datetime) -> str:
    return moment.replace(tzinfo=dt.timezone.utc).astimezone(PARIS).strftime("%d/%m/%Y à %H:%M")


def size_text(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} Mo".replace(".", ",") if size >= 1024 * 1024 else f"{max(1, round(size / 1024))} Ko"


def _author(message: Message, accounts: dict[int, Account], acted_for: dict[int, str]) -> tuple[str, str]:
    """(who wrote it, for whom when not for themselves: « Dr BERNARD », by behalf.py's rule)."""
    if message.author_id is not None:
        account = accounts.get(message.author_id)
        return (account.full_name if account else "Compte supprimé"), acted_for.get(message.id, "")
    mail = (message.data or {}).get("mail") or {}
    if mail.get("from"):  # received from outside the platform
        return (f"{mail.get('from_name')} <{mail['from']}>" if mail.get("from_name") else mail["from"]), ""
    return "Message de la plateforme", ""


def exchanges_about(patient: Patient) -> list[dict[str, Any]]:
    """Every exchange about the patient, oldest first, with members and messages (a fixed number of queries)."""
    exchanges = list(Exchange.select().where(Exchange.patient == patient.id).order_by(Exchange.created_at, Exchange.id))
    ids = [e.id for e in exchanges]
    messages = list(Message.select().where(Message.exchange.in_(ids)).order_by(Message.id)) if ids else []
    attach(messages)
    author_ids = {m.author_id for m in messages if m.author_id} | {e.created_by_id for e in exchanges if e.created_by_id}
    accounts = {a.id: a for a in Account.select().where(Account.id.in_(author_ids))} if author_ids else {}
    acted_for = acted_for_labels(messages, accounts)
    members = members_of(ids)
    by_exchange: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for m in messages:
        author, on_behalf = _author(m, accounts, acted_for)
        by_exchange[m.exchange_id].append({
            "kind": m.kind, "author": author, "on_behalf": on_behalf, "when": local_text(m.created_at),
            "body": m.body,
            "files": [{"name": a.filename, "type": a.content_type, "size": size_text(a.size)}
                      for a in m.prefetched_attachments]})
    out = []
    for e in exchanges:
        creator = accounts.get(e.created_by_id) if e.created_by_id else None
        out.append({"id": e.id, "subject": e.subject, "channel": channel_text(e.channel, e.space),
                    "created": local_text(e.created_at), "created_by": creator.full_name if creator else "",
                    "members": [m["display_name"] for m in members.get(e.id, [])],
                    "messages": by_exchange.get(e.id, [])})
    return out


def render_html(patient: Patient, exchanges: list[dict[str, Any]], by: Account, at: dt.datetime) -> str:
    return _templates.get_template("patient_export.html").render(
        patient=patient, sex=SEXES.get(patient.sex, patient.sex), exchanges=exchanges, by=by.full_name,
        requested=local_text(at), platform=current_relais().config["platform_name"],
        message_count=sum(len(e["messages"]) for e in exchanges))


def export_patient(patient: Patient, by: Account) -> tuple[bytes, dict[str, int]]:
    """The PDF and what it holds; the audit line counts exchanges and messages (never their content)."""
    relais = current_relais()
    at = utcnow()
    exchanges = exchanges_about(patient)
    counts = {"exchanges": len(exchanges), "messages": sum(len(e["messages"]) for e in exchanges)}
    pdf = relais.pdf.render(render_html(patient, exchanges, by, at),
                            title=f"Données de {patient.first_name} {patient.birth_name.upper()}", page_numbers=True)
    relais.audit.record("patient.export", account_id=by.id, target=f"patient:{patient.id}", status=200,
                        detail=f"exchanges={counts['exchanges']} messages={counts['messages']}")
    return pdf, counts
