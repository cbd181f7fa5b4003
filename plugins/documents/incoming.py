"""Received document mails (DOC-3, DOC-4), read through the transport's ``mail_received`` hook: the IHE XDM
package's patient (linked as the INS rules require, else an identity to check), its documents' types and dates,
the subject without its XDM prefix, and a reply by secure mail pre-filled with the sender, patient and subject."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlencode

from kernel import ExchangeAction, ExchangePanel, can_see, current_relais
from kernel.mail import NoInboundChannel, inbound_channel, mailbox_identity
from kernel.models import Account, Exchange, Message

from .identity import IDENTITY_CHECK, Match, identity_of, match_document
from .read_xdm import packages_of

CHANNEL = "documents"  # the key of what this plugin keeps in a message's and an exchange's data
XDM_SUBJECT = re.compile(r"^\s*XDM/1\.0/DDM\+?\s*", re.IGNORECASE)


def shown_subject(subject: str) -> str:
    """What users read: the prefix is for the receiving software (STANDARDS.md)."""
    return XDM_SUBJECT.sub("", subject or "").strip()


def read_received(exchange: Exchange, message: Message, mail: EmailMessage, created: bool) -> None:
    subject = (message.data or {}).get("mail", {}).get("subject", "")
    packages = packages_of(mail)
    if not packages and not XDM_SUBJECT.match(subject):
        return
    match = match_document(packages) if (created or exchange.patient_id is None) else Match()
    check = {IDENTITY_CHECK: match.check} if match.check else {}
    facts = {"documents": [asdict(d) for p in packages for d in p.documents],
             "patient": identity_of(packages).traits(), "subject": shown_subject(subject), "received_subject": subject}
    # Users never read the prefix (STANDARDS.md): the subject shown and answered is without it; as received, it
    # stays in this plugin's facts.
    mail_facts = {**(message.data or {}).get("mail", {}), "subject": facts["subject"] or subject}
    message.data = {**(message.data or {}), "mail": mail_facts, **check, CHANNEL: facts}
    message.save(only=[Message.data])
    changed = []
    if created and facts["subject"]:
        exchange.subject = facts["subject"][:250]
        changed.append(Exchange.subject)
    if created or match.patient is not None or check:
        # A later document of the thread: its check replaces the last one; a sure link ends it.
        data = {k: v for k, v in (exchange.data or {}).items() if k != IDENTITY_CHECK}
        exchange.data = {**data, **check, CHANNEL: facts}
        changed.append(Exchange.data)
    if match.patient is not None and exchange.patient_id is None:
        exchange.patient = match.patient
        changed.append(Exchange.patient)
    if match.patient is not None:
        mailbox = message.data["mail"].get("mailbox", "")
        holder = mailbox_identity(mailbox)
        current_relais().audit.record("patient.reach_by_ins", acting_as_id=holder.id if holder else None,
                                      target=f"patient:{match.patient.id}", detail=f"mail to {mailbox}")
    if changed:
        exchange.save(only=changed)


def _day(iso: str) -> str:
    try:
        return dt.date.fromisoformat(iso).strftime("%d/%m/%Y")
    except ValueError:
        return ""


def received_panels(exchange: Exchange) -> list[ExchangePanel]:
    """« Documents reçus »: who they are about and what they are, for a thread a document mail started."""
    facts = (exchange.data or {}).get(CHANNEL)
    if not isinstance(facts, dict) or (exchange.data or {}).get("mail", {}).get("started") != "in":
        return []
    patient = facts.get("patient") or {}
    who = " ".join(p for p in (patient.get("birth_name", "").upper(), patient.get("first_names", "")) if p)
    if patient.get("birth_date"):
        who += f", né(e) le {_day(patient['birth_date'])}"
    if patient.get("ins"):
        who += f", INS {patient['ins']}"
    lines = [f"{d.get('type_label') or d.get('title') or 'Document'}"
             + (f" du {_day(d['date'])}" if d.get("date") else "") for d in facts.get("documents", [])]
    text = f"Patient : {who or 'non précisé'}. " + (f"Documents : {' ; '.join(lines)}." if lines else "")
    return [ExchangePanel("documents_received", "Documents reçus", text=text.strip(), level="info", order=6,
                          data={"patient": patient, "documents": facts.get("documents", [])})]


def reply_action(exchange: Exchange, account: Account) -> list[ExchangeAction]:
    """DOC-4: one answers a document by secure mail: the mail space's channel that receives mail, pre-filled."""
    facts = (exchange.data or {}).get(CHANNEL)
    if not isinstance(facts, dict) or (exchange.data or {}).get("mail", {}).get("started") != "in":
        return []
    channel = _mail_channel()
    first = (Message.select().where((Message.exchange == exchange.id) & (Message.kind == "mail"))
             .order_by(Message.id).first())
    if channel is None or first is None or not can_see(account.id, exchange.id):
        return []
    mail = first.data.get("mail", {})
    query: dict[str, Any] = {"destinataire": mail.get("reply_to") or mail.get("from", ""),
                             "nom": mail.get("from_name", ""), "objet": f"Re: {facts.get('subject', '')}"[:250]}
    if exchange.patient_id is not None:
        query["patient"] = exchange.patient_id
    return [ExchangeAction("documents_reply", "Répondre par mail sécurisé",
                           url=f"/envoyer/{channel}?{urlencode(query)}", method="GET", order=20)]


def _mail_channel() -> str | None:
    """The mail space's channel that receives mail (the transport's choice, ``mail_inbound_channel`` included):
    the secure mail screen, without naming its plugin."""
    try:
        return inbound_channel()
    except NoInboundChannel:
        return None
