"""Turning a document send into an MSSanté mail: the PDFs, an IHE_XDM.ZIP describing them, the X-MSS headers;
then, once the send commits, the pushes the user ticked (DOC-2) through the kernel's integration service."""
from __future__ import annotations

import datetime as dt
from html import escape
from typing import Any

from kernel import (ExchangePanel, NoConnector, SendContext, SendRejected, available_targets, current_relais,
                    integrate_document)
from kernel.mail import (MailDraft, MailPart, MailTooLarge, addresses_of, human_size, new_message_id, normalize,
                         queue_mail, recipient_rows, statuses_by_message)
from kernel.models import Account, Attachment, Exchange, Identity, Integration, Message, Patient

from .document_types import document_types
from .draft import forget_sent
from .rules import DOCUMENTS, OPTIONS, TOO_LARGE, date_key, type_key
from .xdm import OID_INS_NIR, ZIP_NAME, Author, Document, Package, PatientIdentity, build_zip

CHANNEL = "documents"
SUBJECT_PREFIX = "XDM/1.0/DDM+"
INTEGRATE_JOB = "documents.integrate"
# Settings ([plugin.document], README): the OIDs a receiver needs to tell our ids apart.
DEFAULT_SOURCE_OID = "1.2.250.1.999.1"
DEFAULT_PATIENT_OID = "1.2.250.1.999.1.1"


def settings() -> dict[str, Any]:
    found = current_relais().plugin_settings(CHANNEL)
    return {"source_oid": found.get("source_oid", DEFAULT_SOURCE_OID),
            "patient_oid": found.get("patient_oid", DEFAULT_PATIENT_OID)}


def patient_identity(patient: Patient) -> PatientIdentity:
    """The INS with its OID when the identity is qualified (the INS rules), else our local id."""
    if patient.qualified and patient.ins:
        identifier = f"{patient.ins}^^^&{patient.ins_oid or OID_INS_NIR}&ISO^NH"
    else:
        identifier = f"{patient.id}^^^&{settings()['patient_oid']}&ISO^PI"
    sex = patient.sex if patient.sex in ("F", "M") else "U"
    return PatientIdentity(identifier, patient.birth_name, patient.first_names, patient.birth_date, sex)


def author_of(account: Account, acting_as: Identity) -> Author:
    structure = acting_as if acting_as.is_structure else None
    return Author(account.rpps, account.last_name, account.first_name,
                  institution=structure.display_name if structure else "",
                  finess=structure.finess if structure else None)


def subject_for(first_label: str, patient: Patient) -> str:
    """What the user sees (the XDM prefix is the receiving software's, not theirs)."""
    first = (patient.first_names or "").split(" ")[0]
    return f"{first_label} {patient.birth_name.upper()} {first} {patient.birth_date:%d/%m/%Y}"[:250]


def sender_address(acting_as: Identity) -> str:
    held = [normalize(a) for a in addresses_of(acting_as.id)]
    return held[0] if held else ""


def account_label(account: Account, acting_as: Identity) -> str:
    return acting_as.display_name if acting_as.id == account.identity_id else \
        f"{account.full_name} pour le compte de {acting_as.display_name}"


def deliver_documents(exchange: Exchange, message: Message | None, draft: dict[str, Any],
                      context: SendContext) -> None:
    if message is None:  # the schema demands the attachments; a send without them never reaches here
        raise SendRejected({"attachments": ["Ajoutez au moins un document."]})
    account, acting_as = context.account, context.acting_as
    patient = Patient.get_by_id(draft["patient"])
    ids = list(dict.fromkeys(draft["attachments"]))
    by_id = {a.id: a for a in Attachment.select().where(Attachment.id.in_(ids))}
    described, types, store = draft.get(DOCUMENTS) or {}, document_types(), current_relais().attachments
    documents, facts = [], []
    for attachment_id in ids:
        attachment = by_id[attachment_id]
        kind = types[str(described[type_key(attachment_id)])]
        date = dt.date.fromisoformat(str(described[date_key(attachment_id)]))
        with store.open(attachment) as fh:
            content = fh.read()
        documents.append(Document(content, attachment.content_type, attachment.filename, kind, date))
        facts.append({"attachment": attachment_id, "type": kind.code, "label": kind.label,
                      "date": date.isoformat(), "filename": attachment.filename})
    package = Package(patient_identity(patient), author_of(account, acting_as), documents,
                      submitted_at=dt.datetime.now(dt.timezone.utc), source_oid=settings()["source_oid"])
    shown = subject_for(documents[0].type.label, patient)
    subject = SUBJECT_PREFIX + shown
    sender, name = sender_address(acting_as), account_label(account, acting_as)
    lines = "".join(f"<li>{escape(d.type.label)} du {d.date:%d/%m/%Y} ({escape(d.original_name)})</li>"
                    for d in documents)
    html = (f"<p>Documents concernant {escape(patient.birth_name.upper())} {escape(patient.first_names)}, "
            f"né(e) le {patient.birth_date:%d/%m/%Y} :</p><ul>{lines}</ul>"
            f"<p>Le fichier {ZIP_NAME} permet à votre logiciel de les intégrer au dossier du patient.</p>")
    parts = [MailPart(d.original_name, d.mime_type, d.content) for d in documents]
    parts.append(MailPart(ZIP_NAME, "application/zip", build_zip(package)))
    recipients = list(dict.fromkeys(normalize(str(a)) for a in draft["recipients"]))
    headers = {"X-MSS-INS": "O" if patient.qualified and patient.ins else "N",
               "X-MSS-CODECDA": ",".join(dict.fromkeys(d.type.code for d in documents))}
    message_id = new_message_id(sender)
    mail = MailDraft(sender=sender, sender_name=name, to=recipients, subject=subject, html=html,
                     attachments=parts, extra_headers=headers)
    try:
        outgoing = queue_mail(mail, exchange_id=exchange.id, kernel_message_id=message.id, account_id=account.id,
                              acting_as_id=acting_as.id, message_id=message_id)
    except MailTooLarge as exc:
        raise SendRejected({"attachments": [TOO_LARGE.format(limit=human_size(exc.limit))]}) from None
    forget_sent(account, ids)  # what the virtual printer had put in the draft has gone
    options = [name for name in OPTIONS if draft.get(name)]
    document_facts = {"patient": {"identifier": package.patient.identifier, "qualified": bool(patient.qualified)},
                      "documents": facts, "options": options}
    message.kind, message.body = "mail", html
    document_facts["sent_subject"] = subject  # users read it without the prefix (STANDARDS.md)
    message.data = {"mail": {"direction": "out", "message_id": message_id, "mailbox": sender, "from": sender,
                             "from_name": name, "to": recipients, "cc": [], "subject": shown,
                             "in_reply_to": None, "references": [], "outgoing": outgoing.id, "format": "html",
                             "x_mss": headers}, CHANNEL: document_facts}
    message.save()
    exchange.subject = shown
    exchange.data = {**(exchange.data or {}), "mail": {"mailbox": sender, "started": "out"}, CHANNEL: document_facts}
    exchange.save(only=[Exchange.subject, Exchange.data])
    for name_ in options:  # the pushes leave once the send commits (transactional outbox)
        context.enqueue(INTEGRATE_JOB, {"exchange": exchange.id, "account": account.id, "target": OPTIONS[name_],
                                        "attachments": ids, "patient": patient.id})
    context.publish("mail.status", exchange.id, {"message_id": message.id, "outgoing": outgoing.id,
                                                 "recipients": recipient_rows([outgoing.id])[outgoing.id]})


def status_panels(exchange: Exchange) -> list[ExchangePanel]:
    """« Suivi de l'envoi »: where the document mail is, per recipient (why it waits, why it failed)."""
    if exchange.channel != CHANNEL:
        return []
    last = (Message.select(Message.id).where((Message.exchange == exchange.id) & (Message.kind == "mail")
                                             & Message.author.is_null(False)).order_by(Message.id.desc()).first())
    rows = statuses_by_message([last.id]).get(last.id, []) if last is not None else []
    if not rows:
        return []
    worst = "failed" if any(r["status"] == "failed" for r in rows) else \
        "pending" if any(r["status"] == "pending" for r in rows) else "done"
    level = {"failed": "danger", "pending": "warning"}.get(worst, "success")
    text = " ; ".join(f"{r['address']} : {r['label']}" + (f" ({r['reason']})" if r.get("reason") else "")
                      for r in rows)
    return [ExchangePanel("documents_status", "Suivi de l'envoi", text=text, level=level, order=20,
                          data={"recipients": rows})]


def integrate_job(payload: dict[str, Any]) -> None:
    """Push each document to every connector of the target the account may use; at-least-once, so a push
    already recorded for this exchange, document and connector is not made again."""
    account = Account.get_or_none(Account.id == payload["account"])
    exchange = Exchange.get_or_none(Exchange.id == payload["exchange"])
    patient = Patient.get_or_none(Patient.id == payload["patient"])
    if account is None or exchange is None:
        return
    target = payload["target"]
    for connector in available_targets(account).get(target, []):
        for attachment in Attachment.select().where(Attachment.id.in_(payload["attachments"])):
            done = Integration.select().where((Integration.exchange == exchange.id)
                                              & (Integration.attachment == attachment.id)
                                              & (Integration.connector == connector.name)
                                              & (Integration.target == target)).exists()
            if done:
                continue
            try:
                integrate_document(attachment, patient, connector.name, account, exchange=exchange,
                                   destination=target)
            except NoConnector:
                continue
