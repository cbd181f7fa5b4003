"""Turning a stored message into a mail to the patient's Mon Espace Santé, or a reply in its thread."""
from __future__ import annotations

import re
from typing import Any

from kernel import Ins, SendContext, SendRejected, known_patient
from kernel.mail import (MailDraft, MailTooLarge, addresses_of, allow_replies, clean_html, human_size, looks_like_html,
                         new_message_id, normalize, parts_of, queue_mail, recipient_rows, refuse_replies, text_to_html)
from kernel.models import Account, Attachment, Exchange, Identity, Message, MessageAttachment, Patient

from .rules import TOO_LARGE

CHANNEL = "usager"
NO_REPLY = "no_reply"  # the draft's "Ne pas permettre de réponse"
# STANDARDS.md: the header Mon Espace Santé reads to offer the patient no "reply".
NO_REPLY_HEADER = {"X-MSS-MES": "FIN"}
_PREFIX = re.compile(r"^\s*((re|tr|fwd?)\s*:\s*)+", re.I)


def refusal_answer(sender_name: str) -> str:
    """What a patient who answers anyway reads (kernel.mail.refuse_replies puts it in a polite mail)."""
    return (f"{sender_name} a indiqué que son message n'attendait pas de réponse par Mon Espace Santé. Pour le "
            "joindre, contactez son cabinet ou son service par les moyens habituels (téléphone, secrétariat).")


def reply_subject(subject: str) -> str:
    return f"Re: {_PREFIX.sub('', subject or '').strip() or '(sans objet)'}"[:250]


def sanitized_body(body: str) -> str:
    return clean_html(body) if looks_like_html(body) else text_to_html(body)


def account_label(account: Account, acting_as: Identity) -> str:
    return acting_as.display_name if acting_as.id == account.identity_id else \
        f"{account.full_name} pour le compte de {acting_as.display_name}"


def sender_address(acting_as: Identity, preferred: str | None = None) -> str:
    held = [normalize(a) for a in addresses_of(acting_as.id)]
    if preferred and normalize(preferred) in held:
        return normalize(preferred)
    return held[0] if held else ""


def latest_mail(exchange_id: int, before: int) -> Message | None:
    return (Message.select().where((Message.exchange == exchange_id) & (Message.kind == "mail") & (Message.id < before))
            .order_by(Message.id.desc()).first())


def deliver_usager(exchange: Exchange, message: Message | None, draft: dict[str, Any], context: SendContext) -> None:
    if message is None:
        raise SendRejected({"body": ["Écrivez un message ou joignez un fichier : l'un des deux au moins est "
                                     "nécessaire."]})
    account, acting_as = context.account, context.acting_as
    facts = (exchange.data or {}).get(CHANNEL, {})
    if context.is_new_exchange:
        ins = Ins.parse(draft["ins"])
        no_reply = bool(draft.get(NO_REPLY))
        to, subject, in_reply_to, references, mailbox = ins.mes_address(), exchange.subject, None, [], None
    else:
        ins, no_reply = Ins.parse(facts["ins"]), bool(facts.get(NO_REPLY))
        previous = latest_mail(exchange.id, message.id)
        latest = previous.data.get("mail", {}) if previous is not None else {}
        to, subject = ins.mes_address(), reply_subject(exchange.subject)
        in_reply_to, references = latest.get("message_id"), [r for r in latest.get("references", []) if r]
        mailbox = (exchange.data or {}).get("mail", {}).get("mailbox")
    sender = sender_address(acting_as, mailbox)
    name = account_label(account, acting_as)
    files = list(Attachment.select().join(MessageAttachment)
                 .where(MessageAttachment.message == message.id).order_by(MessageAttachment.id))
    html = sanitized_body(message.body)
    message_id = new_message_id(sender)
    mail = MailDraft(sender=sender, sender_name=name, to=[to], subject=subject, html=html, attachments=parts_of(files),
                     in_reply_to=in_reply_to, references=references,
                     extra_headers={"X-MSS-INS": "N", **(NO_REPLY_HEADER if no_reply else {})})
    try:
        outgoing = queue_mail(mail, exchange_id=exchange.id, kernel_message_id=message.id, account_id=account.id,
                              acting_as_id=acting_as.id, message_id=message_id)
    except MailTooLarge as exc:
        raise SendRejected({"attachments": [TOO_LARGE.format(limit=human_size(exc.limit))]}) from None
    message.kind, message.body = "mail", html
    message.data = {"mail": {"direction": "out", "message_id": message_id, "mailbox": sender, "from": sender,
                             "from_name": name, "to": [to], "cc": [], "subject": subject, "in_reply_to": in_reply_to,
                             "references": references + ([in_reply_to] if in_reply_to else []),
                             "outgoing": outgoing.id, "format": "html", "x_mss": mail.extra_headers},
                    CHANNEL: {"ins": str(ins), NO_REPLY: no_reply}}
    message.save()
    if context.is_new_exchange:
        patient = link_patient(account, ins)
        exchange.data = {**(exchange.data or {}), "mail": {"mailbox": sender, "started": "out"},
                         CHANNEL: {"ins": str(ins), "address": to, NO_REPLY: no_reply}}
        if patient is not None:
            exchange.patient = patient
        exchange.save(only=[Exchange.data, Exchange.patient])
        if no_reply:
            refuse_replies(exchange, refusal_answer(acting_as.display_name))
        else:
            allow_replies(exchange)
    context.publish("mail.status", exchange.id, {"message_id": message.id, "outgoing": outgoing.id,
                                                 "recipients": recipient_rows([outgoing.id])[outgoing.id]})


def link_patient(account: Account, ins: Ins) -> Patient | None:
    """The exchange is found from the patient's record when the sender has them in care."""
    patient = Patient.get_or_none(Patient.ins == str(ins))
    return known_patient(account.id, patient.id) if patient is not None else None
