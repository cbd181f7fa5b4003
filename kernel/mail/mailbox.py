"""Storing a received mail in a mailbox's mail space: its thread, its message, its attachments."""
from __future__ import annotations

import copy
import io
import logging
from email.message import EmailMessage
from typing import Any

from ..db import utcnow, write_transaction
from ..models import Attachment, Exchange, Identity, Membership, Message, MessageAttachment
from ..models.exchange import folded_words
from ..plain_text import one_line
from ..relais import current_relais
from .compose import all_addresses, first_address, header_ids
from .models import MailIndex
from .sanitize import clean_html, text_to_html

MAIL_SPACE = "mail"
log = logging.getLogger(__name__)


def read_body(msg: EmailMessage) -> str:
    """The body as sanitised HTML: the HTML alternative cleaned, or the text one escaped."""
    part = msg.get_body(preferencelist=("html", "plain"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, UnicodeError, KeyError):  # an unknown or lying charset
        content = (part.get_payload(decode=True) or b"").decode("utf-8", "replace")
    if not isinstance(content, str):
        content = content.decode("utf-8", "replace") if isinstance(content, bytes) else ""
    return clean_html(content) if part.get_content_type() == "text/html" else text_to_html(content)


def save_attachments(msg: EmailMessage) -> list[Attachment]:
    """Every attachment through the kernel's store (content-addressed), under the name the sender gave."""
    store = current_relais().attachments
    saved = []
    for part in msg.iter_attachments():
        if part.get_content_type() == "message/rfc822":
            inner = part.get_payload()
            data = inner[0].as_bytes() if isinstance(inner, list) and inner else b""
            default = "message.eml"
        else:
            data = part.get_payload(decode=True) or b""
            default = "piece-jointe"
        if not data:
            continue
        saved.append(store.save(io.BytesIO(data), part.get_filename() or default, None))
    return saved


def thread_for(msg: EmailMessage, identity: Identity) -> Exchange | None:
    """The mail exchange of this mailbox that the message answers (In-Reply-To, then References)."""
    wanted = header_ids(msg.get("In-Reply-To")) + list(reversed(header_ids(msg.get("References"))))
    if not wanted:
        return None
    rows = {row.header_id: row.exchange_id for row in
            MailIndex.select().where(MailIndex.header_id.in_(wanted) & (MailIndex.identity_id == identity.id))}
    for header_id in wanted:
        if header_id in rows:
            exchange = Exchange.get_or_none((Exchange.id == rows[header_id]) & (Exchange.space == MAIL_SPACE))
            if exchange is not None:
                return exchange
    return None


def mail_facts(msg: EmailMessage, message_id: str, mailbox: str) -> dict[str, Any]:
    sender, sender_name = first_address(msg.get("From"))
    sender_name = one_line(sender_name)  # shown as a name: no line break, nothing that reads backwards
    reply_to, _ = first_address(msg.get("Reply-To"))
    return {
        "direction": "in", "message_id": message_id, "mailbox": mailbox,
        "from": sender, "from_name": sender_name, "reply_to": reply_to or sender,
        # A reply would go elsewhere than to the sender: the reply form says so (docs/security.md, "Mail").
        "reply_to_differs": bool(reply_to) and reply_to != sender,
        "to": all_addresses(msg.get("To")), "cc": all_addresses(msg.get("Cc")),
        "subject": one_line(str(msg.get("Subject") or "")),
        "in_reply_to": (header_ids(msg.get("In-Reply-To")) or [None])[0],
        "references": header_ids(msg.get("References")),
        "mdn_requested": bool(msg.get("Disposition-Notification-To")),
        "x_mss": {k: str(v) for k, v in msg.items() if k.lower().startswith("x-mss-")},
        "format": "html",
    }


class NoInboundChannel(LookupError):
    """No channel, or no single one, to file received mail under: the mail is refused for now (451)."""


def inbound_channel() -> str:
    """The channel received mail is filed under, so that its plugin (replies, forwards) owns the thread:
    the ``mail_inbound_channel`` setting, else the one enabled channel declaring ``receives_mail``.
    Always a mail-space channel: received mail never becomes a conversation."""
    relais = current_relais()
    chosen = relais.config["mail_inbound_channel"]
    if chosen:
        channel = relais.channels.get(chosen)
        if channel is None or channel.space != MAIL_SPACE:
            raise NoInboundChannel(f"mail_inbound_channel {chosen!r} is not an enabled channel of the mail space")
        return chosen
    candidates = sorted(c.name for c in relais.channels.values() if c.receives_mail)
    if len(candidates) != 1:
        raise NoInboundChannel("no enabled channel declares receives_mail" if not candidates else
                               f"several channels declare receives_mail ({', '.join(candidates)}): "
                               "choose one with the mail_inbound_channel setting")
    return candidates[0]


def store_in_mailbox(msg: EmailMessage, message_id: str, identity: Identity, mailbox: str,
                     attachments: list[Attachment]) -> tuple[Exchange, Message, bool]:
    """Write the mail into ``identity``'s mail space (inside the caller's transaction).

    Returns the exchange, the message and whether the exchange is new."""
    facts = mail_facts(msg, message_id, mailbox)
    exchange = thread_for(msg, identity)
    created = exchange is None
    if created:
        exchange = Exchange.create(channel=inbound_channel(), space=MAIL_SPACE,
                                   subject=(facts["subject"] or "(sans objet)")[:250],
                                   data={"mail": {"mailbox": mailbox, "started": "in"}})
        Membership.create(exchange=exchange, identity=identity, role="member")
    message = Message.create(exchange=exchange, author=None, acting_as=None, kind="mail", body=read_body(msg),
                             data={"mail": facts})
    if attachments:
        MessageAttachment.insert_many([{"message": message.id, "attachment": a.id}
                                       for a in dict((a.id, a) for a in attachments).values()]).execute()
    exchange.last_message_at = message.created_at
    # The senders are searched folded (kernel.mail.mailboxes): "emilie" finds "Émilie MARTIN".
    exchange.search_senders = folded_words(exchange.search_senders, facts["from_name"], facts["from"])
    exchange.save(only=[Exchange.last_message_at, Exchange.search_senders])
    tell_plugins(exchange, message, msg, created)
    MailIndex.create(header_id=message_id, identity_id=identity.id, exchange_id=exchange.id,
                     kernel_message_id=message.id, direction="in", mailbox=mailbox, created_at=utcnow())
    return exchange, message, created


def tell_plugins(exchange: Exchange, message: Message, msg: EmailMessage, created: bool) -> None:
    """The ``mail_received`` hook: plugins read what they know in the mail (an IHE XDM package: its patient, its
    documents) and annotate. Each in a savepoint: a plugin that fails leaves nothing half-written, and the mail
    is stored all the same."""
    pm = current_relais().pm
    kwargs = {"exchange": exchange, "message": message, "mail": msg, "created": created}
    for impl in reversed(pm.hook.mail_received.get_hookimpls()):
        before = copy.deepcopy((exchange.__data__, message.__data__))
        try:
            with write_transaction():
                impl.function(*[kwargs[arg] for arg in impl.argnames])
        except Exception:
            log.exception("plugin %s: mail_received failed", pm.get_name(impl.plugin))
            # Its writes are rolled back: what it changed in hand goes too, so the next plugin does not save it.
            exchange.__data__, message.__data__ = before
