"""Threads that take no reply: a mail answering one is not stored; its sender gets a polite answer instead.

A channel marks an exchange with ``refuse_replies(exchange, answer)`` when what it sent asks for no reply
(a message to a patient's Mon Espace Santé with ``X-MSS-MES: FIN``): the operator's own interface then offers
no "reply", but a patient may still answer from another client. Whichever way the answer comes in (SMTP,
IMAP, local delivery), the sender is told in French, by mail, that it was not passed on; the thread gets a
system line saying so (never the content); the answer is recorded in the mailbox's index, so a retried
delivery neither answers twice nor stores the mail.

An answer by mail rather than an SMTP refusal: with IMAP the operator accepted the mail long before we read it,
and a patient understands a sentence from their professional's address better than a bounce.
"""
from __future__ import annotations

import html
import logging
from email.message import EmailMessage

from ..db import utcnow
from ..models import Exchange, Identity
from ..plain_text import one_line
from ..relais import current_relais
from ..services.system_messages import post_system_message
from .addresses import is_valid, normalize
from .compose import MailDraft, first_address, header_ids
from .models import MailIndex
from .outbox import queue_mail

log = logging.getLogger(__name__)
KEY = "refuse_replies"  # in exchange.data["mail"]: the French answer sent to whoever replies
REFUSED_REPLY = (250, "2.0.0 Reponse non transmise : l'expediteur en est informe par mail")
SYSTEM_LINE = ("Une réponse est arrivée alors que cet échange n'accepte pas de réponse : elle n'a pas été "
               "transmise, et son expéditeur en a été informé par mail.")
ANSWER_SUBJECT = "Votre réponse n'a pas été transmise"


def refuse_replies(exchange: Exchange, answer: str) -> None:
    """From now on, mail answering this exchange is not stored; its sender gets ``answer`` (French plain
    text: why, and how to reach the professional otherwise). Saves the exchange's ``data``."""
    mail = {**(exchange.data or {}).get("mail", {}), KEY: answer}
    exchange.data = {**(exchange.data or {}), "mail": mail}
    exchange.save(only=[Exchange.data])


def allow_replies(exchange: Exchange) -> None:
    """Undo ``refuse_replies``: answers join the thread again. Saves the exchange's ``data``."""
    mail = {k: v for k, v in (exchange.data or {}).get("mail", {}).items() if k != KEY}
    exchange.data = {**(exchange.data or {}), "mail": mail}
    exchange.save(only=[Exchange.data])


def refused_answer(exchange: Exchange | None) -> str | None:
    """The answer to send when ``exchange`` takes no reply, else None."""
    if exchange is None:
        return None
    return ((exchange.data or {}).get("mail") or {}).get(KEY) or None


def decline_reply(msg: EmailMessage, message_id: str, exchange: Exchange, identity: Identity, mailbox: str,
                  mail_from: str, answer: str) -> None:
    """Inside the receiving transaction: note the refused reply in the thread, index it, answer its sender."""
    line = post_system_message(exchange, SYSTEM_LINE, data={"mail": {"direction": "in", "refused_reply": True,
                                                                     "message_id": message_id}})
    MailIndex.create(header_id=message_id, identity_id=identity.id, exchange_id=exchange.id,
                     kernel_message_id=line.id, direction="in", mailbox=mailbox, created_at=utcnow())
    sender, _ = first_address(msg.get("From"))
    # RFC 3834: answer the envelope sender, never a bounce (null sender) nor another automatic message.
    automatic = str(msg.get("Auto-Submitted") or "no").strip().lower() != "no"
    to = normalize(mail_from) if mail_from else ""
    if not to or automatic or not is_valid(to):
        log.info("refused reply %s in exchange %s: no answer sent (automatic or no sender)", message_id, exchange.id)
        return
    name = one_line(identity.display_name)
    paragraphs = [f"Bonjour,", f"Votre message n'a pas été transmis à {name} : {answer}",
                  "Ce message est envoyé automatiquement ; merci de ne pas y répondre."]
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    references = header_ids(msg.get("References"))
    draft = MailDraft(sender=mailbox, sender_name=name, to=[to], subject=ANSWER_SUBJECT, html=body,
                      in_reply_to=message_id, references=references, ask_mdn=False,
                      extra_headers={"Auto-Submitted": "auto-replied"})
    queue_mail(draft, exchange_id=exchange.id, kernel_message_id=line.id, account_id=None,
               acting_as_id=identity.id)
    current_relais().audit.record("mail.reply.refused", acting_as_id=identity.id, target=f"exchange:{exchange.id}",
                                  request_data={"message_id": message_id, "mail_from": to, "from": sender,
                                                "answered": True})
