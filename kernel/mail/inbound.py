"""Receiving a mail (from the SMTP receiver, IMAP, or local delivery): check, store, acknowledge.

One function, ``accept``, for every way in, so a mail between two of the platform's mailboxes is
handled exactly like one that crossed the network.
"""
from __future__ import annotations

import hashlib
import logging
from email.errors import MessageError
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr

from ..db import write_transaction
from ..relais import current_relais
from ..services.attachments import AttachmentRejected
from ..services.events import Event, publish_on_commit
from ..services.system_messages import announce_message
from .addresses import domain_of, is_our_domain, is_valid, mailbox_identity, normalize
from .compose import header_ids, new_message_id, parse, to_bytes
from .closed_threads import REFUSED_REPLY, decline_reply, refused_answer
from .mailbox import save_attachments, store_in_mailbox, thread_for
from .mdn import MdnError, build_mdn, is_mdn, read_mdn
from .models import DELIVERED, FAILED, MDN, READ, MailIndex, OutgoingMail
from .outbox import publish_status, set_recipient_status, store_outgoing

log = logging.getLogger(__name__)
Reply = tuple[int, str]
UNKNOWN = (550, "5.1.1 Destinataire inconnu")
NOT_OURS = (550, "5.7.1 Domaine non servi par cette plateforme")
ACCEPTED = (250, "2.0.0 Message remis")
ATTACHMENT_REFUSED = (552, "5.3.4 Piece jointe refusee")
# docs/security.md, "Mail": a sender of the platform's own never reaches us by unauthenticated SMTP.
FORGED_SENDER = (550, "5.7.1 Expediteur de la plateforme non authentifie : message refuse")
# Ways in that cannot carry a forged local sender: the platform's own delivery, the operator's IMAP (it
# authenticated its users), an administrator releasing held mail that came that way.
TRUSTED_SOURCES = ("local", "imap", "release")
_MDN_ROOM = 64 * 1024  # the report's own parts and the original's re-encoding, around the original


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


def is_platform_address(address: str) -> bool:
    """An address of the platform's own: on one of its mail domains, or held by one of its identities."""
    return is_valid(address) and (is_our_domain(domain_of(address)) or mailbox_identity(address) is not None)


def forged_sender(msg: EmailMessage, mail_from: str, *, source: str, authenticated: bool = False) -> str:
    """The platform address a mail claims to come from (envelope, From or Sender) although it reached us by
    a way that cannot vouch for it (SMTP without a verified client certificate), or "". Such mail would
    show a colleague as its author: it is refused, never stored."""
    if source in TRUSTED_SOURCES or authenticated:
        return ""
    claimed = [mail_from] + [a for _, a in getaddresses([str(v) for name in ("From", "Sender")
                                                           for v in msg.get_all(name) or []])]
    return next((normalize(a) for a in claimed if a and is_platform_address(normalize(a))), "")


def accept(raw: bytes, mail_from: str, recipients: list[str], *, source: str, peer: str = "",
           authenticated: bool = False) -> dict[str, Reply]:
    """Store ``raw`` in each recipient's mailbox (one transaction: all or nothing), or apply it if it is an
    acknowledgement. Returns the SMTP answer per recipient. Receiving the same Message-ID twice in a
    mailbox stores it once (a retried send, an IMAP message read again).

    A refusal is answered here and audited; it is the sender's only news when the message arrives by SMTP or
    local delivery (its system reports the bounce, or the sender sees "échec"). Mail an operator already
    accepted (IMAP) cannot be refused any more: kernel/mail/undelivered.py holds it and sends the error MDN.

    ``authenticated``: the SMTP session presented a client certificate the receiver verified (an operator's
    link); without it, mail claiming a platform sender is refused (``forged_sender``)."""
    relais = current_relais()
    msg = parse(raw)
    message_id = message_key(msg, raw)
    targets = list(dict.fromkeys(normalize(r) for r in recipients))
    trace = {"source": source, "peer": peer, "mail_from": mail_from, "message_id": message_id, "size": len(raw)}
    forged = forged_sender(msg, mail_from, source=source, authenticated=authenticated)
    if forged:
        log.warning("mail %s refused: it claims the platform's sender %s without coming from the platform", message_id,
                    forged)
        with write_transaction():
            for address in targets:
                relais.audit.record("mail.receive", target=f"address:{address}", outcome="refused",
                                    request_data={**trace, "rcpt_to": address, "response": list(FORGED_SENDER),
                                                  "reason": f"expéditeur de la plateforme non authentifié : {forged}"})
        return {address: FORGED_SENDER for address in targets}
    if is_mdn(msg):
        return _accept_mdn(msg, targets, trace)
    try:
        replies = _store(msg, len(raw), message_id, targets, trace, mail_from)
    except AttachmentRejected as exc:
        log.warning("mail %s refused: an attachment was rejected (%s)", message_id, exc.message)
        with write_transaction():
            for address in targets:
                relais.audit.record("mail.receive", target=f"address:{address}", outcome="refused",
                                    request_data={**trace, "rcpt_to": address, "response": list(ATTACHMENT_REFUSED),
                                                  "reason": exc.message})
        return {address: ATTACHMENT_REFUSED for address in targets}
    return replies


def _store(msg: EmailMessage, size: int, message_id: str, targets: list[str], trace: dict,
           mail_from: str) -> dict[str, Reply]:
    relais = current_relais()
    replies: dict[str, Reply] = {}
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
            if identity.id in stored and stored[identity.id][1] is None:
                replies[address] = REFUSED_REPLY  # a refused reply (closed thread), already answered
                continue
            if identity.id in stored:
                # Two addresses of one mailbox: one copy, but each address acknowledges what it received.
                replies[address] = ACCEPTED
                answer_mdn(msg, size, address, mail_from, exchange_id=stored[identity.id][0].id,
                           message_id=stored[identity.id][1].id, identity_id=identity.id)
                continue
            if MailIndex.select().where((MailIndex.header_id == message_id)
                                        & (MailIndex.identity_id == identity.id)).exists():
                replies[address] = (250, "2.0.0 Message deja recu")
                continue
            thread = thread_for(msg, identity)
            answer = refused_answer(thread)
            if answer:
                # The thread takes no reply (kernel/mail/closed_threads.py): not stored, its sender told why.
                decline_reply(msg, message_id, thread, identity, address, mail_from, answer)
                stored[identity.id] = (thread, None)
                replies[address] = REFUSED_REPLY
                relais.audit.record("mail.receive", acting_as_id=identity.id, target=f"exchange:{thread.id}",
                                    outcome="refused_reply",
                                    request_data={**trace, "rcpt_to": address, "response": list(REFUSED_REPLY)})
                continue
            if attachments is None:
                attachments = save_attachments(msg)
            exchange, message, created = store_in_mailbox(msg, message_id, identity, address, attachments)
            stored[identity.id] = (exchange, message)
            replies[address] = ACCEPTED
            relais.audit.record("mail.receive", acting_as_id=identity.id, target=f"exchange:{exchange.id}",
                                request_data={**trace, "rcpt_to": address, "response": list(ACCEPTED),
                                              "attachments": len(attachments)})
            answer_mdn(msg, size, address, mail_from, exchange_id=exchange.id, message_id=message.id,
                       identity_id=identity.id)
            if created:
                publish_on_commit(Event.for_exchange("exchange.created", exchange.id,
                                                     {"exchange_id": exchange.id, "channel": exchange.channel}))
            announce_message(message)
    return replies


def message_key(msg: EmailMessage, raw: bytes) -> str:
    """The Message-ID without brackets; a mail without one still needs a key, the same each time it comes."""
    found = (header_ids(msg.get("Message-ID")) or [""])[0]
    return found or f"sans-id-{hashlib.sha256(raw).hexdigest()[:32]}@relais.invalid"


def answer_mdn(msg: EmailMessage, size: int, mailbox: str, mail_from: str, *, exchange_id: int | None = None,
               message_id: int | None = None, identity_id: int | None = None, error: MdnError | None = None) -> bool:
    """RFC 8098: answer "processed" (or "processed/Error" with ``error``) when the sender asked for it,
    through the outbox like any mail. True if an acknowledgement was queued.

    Only to the envelope sender (RFC 8098 2.1): the report carries the whole original back, and is sent for
    mail no mailbox took too, so a Disposition-Notification-To naming anyone else would have the platform
    mail a message's content to a third party. Such a request is declined, and the audit trail says so."""
    requested = [a for _, a in getaddresses([str(v) for v in msg.get_all("Disposition-Notification-To") or []])
                 if a.strip()]
    if not requested or not mail_from:
        return False  # no request, or a bounce/auto-reply (null sender): never answer those
    if str(msg.get("Auto-Submitted") or "no").strip().lower() != "no":
        return False
    notify = requested[0].strip().lower()
    declined = _decline_reason(requested, mail_from)
    if declined:
        current_relais().audit.record(
            "mail.mdn.send", acting_as_id=identity_id,
            target=f"exchange:{exchange_id}" if exchange_id else f"address:{mailbox}", outcome="not_sent",
            request_data={"rcpt_to": mailbox, "mail_from": mail_from[:254],
                          "message_id": (header_ids(msg.get("Message-ID")) or [""])[0],
                          "disposition_notification_to": [a[:254] for a in requested[:5]],
                          "error_mdn": error is not None, "reason": declined})
        log.warning("acknowledgement for %s not sent: %s", mailbox, declined)
        return False
    limit = current_relais().config["mail_max_bytes"]
    mdn_id = new_message_id(mailbox)
    try:
        # STANDARDS.md: the original travels back in the report; one too large to fit goes back as its headers.
        raw = to_bytes(build_mdn(msg, mailbox, notify, mdn_id, error=error,
                                 whole_original=size + _MDN_ROOM <= limit))
        if len(raw) > limit:
            raw = to_bytes(build_mdn(msg, mailbox, notify, mdn_id, error=error, whole_original=False))
    except (LookupError, UnicodeError, ValueError, TypeError, MessageError) as exc:
        # A message malformed enough to defeat the email library is still stored: the receipt is secondary.
        log.warning("acknowledgement for %s not built (%s): stored without it", mailbox, type(exc).__name__)
        return False
    store_outgoing(raw, mdn_id, [notify], exchange_id=exchange_id, kernel_message_id=message_id,
                   account_id=None, acting_as_id=identity_id, kind=MDN, mail_from="", mailbox_identity_id=None,
                   limit=limit)
    return True


def _decline_reason(requested: list[str], mail_from: str) -> str:
    """Why no acknowledgement may go to ``requested`` automatically (French, for the audit), or ""."""
    if not is_valid(requested[0]):
        return "Adresse Disposition-Notification-To invalide : aucun accusé de réception envoyé."
    if len({_address_key(a) for a in requested}) > 1:
        return ("Plusieurs adresses dans Disposition-Notification-To (RFC 8098 §2.1) : aucun accusé de "
                "réception envoyé automatiquement.")
    if _address_key(requested[0]) != _address_key(mail_from):
        return ("L'adresse Disposition-Notification-To diffère de l'expéditeur de l'enveloppe (RFC 8098 §2.1) : "
                "aucun accusé de réception envoyé automatiquement.")
    return ""


def _address_key(address: str) -> tuple[str, str]:
    """An address as RFC 5321 compares it: the local part as written, the domain in any case."""
    local, at, domain = parseaddr(address.strip())[1].rpartition("@")
    return (local, domain.lower()) if at and local else ("", address.strip())


_STATUS = {"displayed": READ, "processed": DELIVERED, "dispatched": DELIVERED}


def _accept_mdn(msg: EmailMessage, targets: list[str], trace: dict) -> dict[str, Reply]:
    """An acknowledgement for one of our messages: move its recipient's status. Never stored as a mail."""
    relais = current_relais()
    replies = {address: check_recipient(address) for address in targets}
    ours = [a for a, r in replies.items() if r == ACCEPTED]
    disposition = read_mdn(msg)
    with write_transaction():
        outgoing = (OutgoingMail.get_or_none(OutgoingMail.message_id == disposition.original_message_id)
                    if disposition and ours else None)
        moved = False
        if outgoing is not None and normalize(outgoing.mail_from) in ours:
            if disposition.failed:
                reason = f"Le système destinataire signale une erreur : {disposition.error_text or disposition.kind}"
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
            publish_status(outgoing)
    return {a: ((250, "2.0.0 Accuse de reception enregistre") if r == ACCEPTED else r) for a, r in replies.items()}
