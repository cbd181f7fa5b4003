"""Receiving a mail (from the SMTP receiver, IMAP, or local delivery): check, store, acknowledge.

One function, ``accept``, for every way in, so a mail between two of the platform's mailboxes is
handled exactly like one that crossed the network.
"""
from __future__ import annotations

import hashlib
import logging
from email.message import EmailMessage

from ..db import write_transaction
from ..relais import current_relais
from ..services.acting_as import audience
from ..services.attachments import AttachmentRejected
from ..services.events import Event
from .addresses import domain_of, is_our_domain, is_valid, mailbox_identity, normalize
from .compose import first_address, header_ids, new_message_id, parse, to_bytes
from .mailbox import save_attachments, store_in_mailbox
from .mdn import build_mdn, is_mdn, read_mdn
from .models import DELIVERED, FAILED, MDN, READ, MailIndex, OutgoingMail
from .outbox import set_recipient_status, status_event, store_outgoing

log = logging.getLogger(__name__)
Reply = tuple[int, str]
UNKNOWN = (550, "5.1.1 Destinataire inconnu")
NOT_OURS = (550, "5.7.1 Domaine non servi par cette plateforme")
ACCEPTED = (250, "2.0.0 Message remis")


def check_recipient(address: str) -> Reply:
    """The answer to ``RCPT TO``: only the platform's domains, and only addresses it holds."""
    if not is_valid(address):
        return (553, "5.1.3 Adresse mal formee")
    if not is_our_domain(domain_of(address)):
        return NOT_OURS
    return ACCEPTED if mailbox_identity(address) is not None else UNKNOWN


def deliver_locally(raw: bytes, mail_from: str, recipients: list[str]) -> dict[str, Reply]:
    """Local delivery between the platform's own mailboxes: the receiver's own path, without the socket."""
    return accept(raw, mail_from, recipients, source="local")


def accept(raw: bytes, mail_from: str, recipients: list[str], *, source: str, peer: str = "") -> dict[str, Reply]:
    """Store ``raw`` in each recipient's mailbox (one transaction: all or nothing), or apply it if it is an
    acknowledgement. Returns the SMTP answer per recipient. Receiving the same Message-ID twice in a
    mailbox stores it once (a retried send, an IMAP message read again)."""
    relais = current_relais()
    msg = parse(raw)
    message_id = (header_ids(msg.get("Message-ID")) or [""])[0] or _stand_in_id(raw)
    targets = list(dict.fromkeys(normalize(r) for r in recipients))
    trace = {"source": source, "peer": peer, "mail_from": mail_from, "message_id": message_id, "size": len(raw)}
    if is_mdn(msg):
        return _accept_mdn(msg, targets, trace)
    replies: dict[str, Reply] = {}
    events: list[Event] = []
    try:
        with write_transaction():
            attachments = None
            stored: dict[int, tuple] = {}  # identity id -> (exchange, message) stored by this very call
            for address in targets:
                reply = check_recipient(address)
                identity = mailbox_identity(address) if reply == ACCEPTED else None
                if identity is None:
                    replies[address] = reply
                    relais.audit.record("mail.receive", target=f"address:{address}", outcome="refused",
                                        request_data={**trace, "rcpt_to": address, "response": list(reply)})
                    continue
                if identity.id in stored:
                    # Two addresses of one mailbox: one copy, but each address acknowledges what it received.
                    replies[address] = ACCEPTED
                    _answer_mdn(msg, address, stored[identity.id][0].id, stored[identity.id][1].id, identity.id,
                                mail_from)
                    continue
                if MailIndex.select().where((MailIndex.header_id == message_id)
                                            & (MailIndex.identity_id == identity.id)).exists():
                    replies[address] = (250, "2.0.0 Message deja recu")
                    continue
                if attachments is None:
                    attachments = save_attachments(msg)
                exchange, message, created = store_in_mailbox(msg, message_id, identity, address, attachments)
                stored[identity.id] = (exchange, message)
                replies[address] = ACCEPTED
                relais.audit.record("mail.receive", acting_as_id=identity.id, target=f"exchange:{exchange.id}",
                                    request_data={**trace, "rcpt_to": address, "response": list(ACCEPTED),
                                                  "attachments": len(attachments)})
                _answer_mdn(msg, address, exchange.id, message.id, identity.id, mail_from)
                who = tuple(audience(exchange.id))
                if created:
                    events.append(Event("exchange.created", exchange.id, who,
                                        {"exchange_id": exchange.id, "channel": exchange.channel}))
                events.append(Event("message.created", exchange.id, who, relais.serialize_message(message)))
    except AttachmentRejected as exc:
        log.warning("mail %s refused: an attachment was rejected (%s)", message_id, exc.message)
        return {address: (552, "5.3.4 Piece jointe refusee") for address in targets}
    relais.events.publish(events)
    return replies


def _stand_in_id(raw: bytes) -> str:
    # A mail without Message-ID still needs one key, the same each time it comes again.
    return f"sans-id-{hashlib.sha256(raw).hexdigest()[:32]}@relais.invalid"


def _answer_mdn(msg: EmailMessage, mailbox: str, exchange_id: int, message_id: int, identity_id: int,
                mail_from: str) -> None:
    """RFC 8098: answer "processed" when the sender asked for it, through the outbox like any mail."""
    notify, _ = first_address(msg.get("Disposition-Notification-To"))
    if not notify or not mail_from or not is_valid(notify):
        return  # no request, or a bounce/auto-reply (null sender): never answer those
    if str(msg.get("Auto-Submitted") or "no").strip().lower() != "no":
        return
    mdn_id = new_message_id(mailbox)
    report = build_mdn(msg, mailbox, mailbox, notify, mdn_id)
    store_outgoing(to_bytes(report), mdn_id, [notify], exchange_id=exchange_id, kernel_message_id=message_id,
                   account_id=None, acting_as_id=identity_id, kind=MDN, mail_from="", mailbox_identity_id=None,
                   limit=current_relais().config["mail_max_bytes"])


_STATUS = {"displayed": READ, "processed": DELIVERED, "dispatched": DELIVERED}


def _accept_mdn(msg: EmailMessage, targets: list[str], trace: dict) -> dict[str, Reply]:
    """An acknowledgement for one of our messages: move its recipient's status. Never stored as a mail."""
    relais = current_relais()
    replies = {address: check_recipient(address) for address in targets}
    ours = [a for a, r in replies.items() if r == ACCEPTED]
    disposition = read_mdn(msg)
    event = None
    with write_transaction():
        outgoing = (OutgoingMail.get_or_none(OutgoingMail.message_id == disposition.original_message_id)
                    if disposition and ours else None)
        moved = False
        if outgoing is not None and normalize(outgoing.mail_from) in ours:
            if disposition.failed:
                reason = f"Le système destinataire signale une erreur : {disposition.error or disposition.kind}"
                moved = set_recipient_status(outgoing, disposition.final_recipient, FAILED, reason)
            elif disposition.kind in _STATUS:
                moved = set_recipient_status(outgoing, disposition.final_recipient, _STATUS[disposition.kind])
        relais.audit.record(
            "mail.mdn.receive", acting_as_id=outgoing.acting_as_id if outgoing else None,
            target=f"mail:{outgoing.id}" if outgoing else "mail:unknown",
            outcome="ok" if moved else "ignored",
            request_data={**trace, "rcpt_to": targets, "original_message_id":
                          disposition.original_message_id if disposition else None,
                          "final_recipient": disposition.final_recipient if disposition else None,
                          "disposition": disposition.kind if disposition else None})
        if moved:
            event = status_event(outgoing)
    if event is not None:
        relais.events.publish([event])
    return {a: ((250, "2.0.0 Accuse de reception enregistre") if r == ACCEPTED else r) for a, r in replies.items()}
