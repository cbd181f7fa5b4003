"""Turning a stored message into an outgoing mail: a new mail, or a reply in its thread."""
from __future__ import annotations

import re
from contextvars import ContextVar
from typing import Any

from kernel import SendContext, SendRejected
from kernel.mail import (MailDraft, MailTooLarge, addresses_of, clean_html, human_size, looks_like_html, new_message_id,
                         normalize, parts_of, queue_mail, recipient_rows, text_to_html)
from kernel.models import Account, Attachment, Exchange, Identity, Message, MessageAttachment

from .rules import TOO_LARGE

CHANNEL = "mssante_mail"
# Set by the reply-all route around the kernel's send path, read by ``deliver``: a per-request flag.
REPLY_ALL: ContextVar[bool] = ContextVar("mssante_mail_reply_all", default=False)
_PREFIX = re.compile(r"^\s*((re|tr|fwd?)\s*:\s*)+", re.I)


def reply_subject(subject: str) -> str:
    return f"Re: {_PREFIX.sub('', subject or '').strip() or '(sans objet)'}"[:250]


def forward_subject(subject: str) -> str:
    return f"Tr: {_PREFIX.sub('', subject or '').strip() or '(sans objet)'}"[:250]


def sanitized_body(body: str) -> str:
    return clean_html(body) if looks_like_html(body) else text_to_html(body)


def last_mail(exchange_id: int, before: int | None = None) -> Message | None:
    query = Message.select().where((Message.exchange == exchange_id) & (Message.kind == "mail"))
    if before is not None:
        query = query.where(Message.id < before)
    return query.order_by(Message.id.desc()).first()


def sender_address(acting_as: Identity, preferred: str | None = None) -> str:
    """The acting identity's address: the mailbox the thread lives in when it holds it, else its first."""
    held = addresses_of(acting_as.id)
    if preferred and normalize(preferred) in [normalize(a) for a in held]:
        return normalize(preferred)
    return normalize(held[0]) if held else ""


def reply_plan(exchange: Exchange, before: int, reply_all: bool) -> dict[str, Any]:
    """To whom a reply goes and its thread headers. The other party is the sender of the latest mail
    received in the thread, or (a thread we started, nothing received yet) the first mail's recipients;
    with ``reply_all`` everyone else in that mail is copied. It answers the thread's latest mail."""
    previous = last_mail(exchange.id, before)
    if previous is None:
        raise SendRejected({"body": ["Cet échange ne contient aucun mail auquel répondre."]})
    received = (Message.select().where((Message.exchange == exchange.id) & (Message.kind == "mail")
                                       & Message.author.is_null() & (Message.id < before))
                .order_by(Message.id.desc()).first())
    elsewhere = None
    if received is not None:
        facts = received.data.get("mail", {})
        mailbox = facts.get("mailbox", "")
        to = [facts.get("reply_to") or facts.get("from")]
        others = facts.get("to", []) + facts.get("cc", [])
        if normalize(to[0] or "") != normalize(facts.get("from") or ""):
            # The sender asked for answers elsewhere (Reply-To): said in the form, and kept with the reply.
            elsewhere = {"reply_to": normalize(to[0] or ""), "from": normalize(facts.get("from") or "")}
    else:
        first = (Message.select().where((Message.exchange == exchange.id) & (Message.kind == "mail"))
                 .order_by(Message.id).first())
        facts = first.data.get("mail", {})
        mailbox = facts.get("from", "")
        to = list(facts.get("to", []))
        others = list(facts.get("cc", []))
    to = [normalize(a) for a in to if a]
    cc = [normalize(a) for a in others if normalize(a) not in to and normalize(a) != normalize(mailbox)] \
        if reply_all else []
    latest = previous.data.get("mail", {})
    return {"to": to, "cc": list(dict.fromkeys(cc)), "mailbox": mailbox, "subject": reply_subject(exchange.subject),
            "in_reply_to": latest.get("message_id"), "references": latest.get("references", []),
            "sent_to_reply_to": elsewhere}


def deliver_mail(exchange: Exchange, message: Message | None, draft: dict[str, Any], context: SendContext) -> None:
    if message is None:
        raise SendRejected({"body": ["Écrivez un message ou joignez un fichier."]})
    if context.is_new_exchange:
        plan = {"to": [normalize(a) for a in draft.get("recipients") or []],
                "cc": [normalize(a) for a in draft.get("cc") or []], "mailbox": None,
                "subject": exchange.subject, "in_reply_to": None, "references": []}
    else:
        plan = reply_plan(exchange, message.id, REPLY_ALL.get())
        # A mail received on two addresses of the same mailbox: replying to all must not copy ourselves.
        own = {normalize(a) for a in addresses_of(context.acting_as.id)}
        plan["cc"] = [a for a in plan["cc"] if a not in own]
    if not plan["to"]:
        raise SendRejected({"body": ["Aucun destinataire à qui répondre dans cet échange."]})
    acting_as, account = context.acting_as, context.account
    # The reply leaves from the address the thread lives on when the acting identity holds it.
    sender = sender_address(acting_as, plan["mailbox"])
    name = account_label(account, acting_as)
    attachments = list(Attachment.select().join(MessageAttachment)
                       .where(MessageAttachment.message == message.id).order_by(MessageAttachment.id))
    headers = {}
    if exchange.patient_id is not None:
        # STANDARDS.md: X-MSS-INS says whether the message carries a qualified INS. A free-form mail never
        # does (no structured document, no XDM metadata), whatever the linked patient's identity status.
        headers["X-MSS-INS"] = "N"
    html = sanitized_body(message.body)
    message_id = new_message_id(sender)
    mail = MailDraft(sender=sender, sender_name=name, to=plan["to"], cc=plan["cc"], subject=plan["subject"],
                     html=html, attachments=parts_of(attachments), in_reply_to=plan["in_reply_to"],
                     references=plan["references"], extra_headers=headers)
    try:
        outgoing = queue_mail(mail, exchange_id=exchange.id, kernel_message_id=message.id, account_id=account.id,
                              acting_as_id=acting_as.id, message_id=message_id)
    except MailTooLarge as exc:
        raise SendRejected({"attachments": [TOO_LARGE.format(limit=human_size(exc.limit))]}) from None
    references = [r for r in plan["references"] if r] + ([plan["in_reply_to"]] if plan["in_reply_to"] else [])
    message.kind, message.body = "mail", html
    message.data = {"mail": {"direction": "out", "message_id": message_id, "mailbox": sender, "from": sender,
                             "from_name": name, "to": plan["to"], "cc": plan["cc"], "subject": plan["subject"],
                             "in_reply_to": plan["in_reply_to"], "references": references,
                             "outgoing": outgoing.id, "format": "html",
                             **({"sent_to_reply_to": plan["sent_to_reply_to"]} if plan.get("sent_to_reply_to") else {})}}
    message.save()
    if context.is_new_exchange:
        exchange.data = {**(exchange.data or {}), "mail": {"mailbox": sender, "started": "out"}}
        exchange.save(only=[Exchange.data])
    context.publish("mail.status", exchange.id, {"message_id": message.id, "outgoing": outgoing.id,
                                                 "recipients": recipient_rows([outgoing.id])[outgoing.id]})


def account_label(account: Account, acting_as: Identity) -> str:
    return acting_as.display_name if acting_as.id == account.identity_id else \
        f"{account.full_name} pour le compte de {acting_as.display_name}"
