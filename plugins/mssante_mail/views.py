"""The mail space's JSON routes (/mssante_mail/...): reply, reply all, forward, mailboxes, search, statuses,
marking unread, deleting."""
from __future__ import annotations

import html
from typing import Any

from flask import Blueprint, jsonify, request
from marshmallow import ValidationError

from kernel import (Event, SendRejected, api_login_required, audience, can_see, current_account, current_relais,
                    flatten_errors, member_identity_for, members_of, publish_on_commit, summary, write_transaction)
from kernel.mail import mark_unread, remove_thread, search_mail
from kernel.models import Attachment, Exchange, Message, MessageAttachment
from kernel.schemas import Integer

from .mailboxes import mailboxes_and_unread
from .outgoing import CHANNEL, REPLY_ALL, forward_subject, last_mail, sanitized_body
from .search_query import MAX_LIMIT, MailSearchQuerySchema
from .status import exchange_statuses

blueprint = Blueprint("mssante_mail", __name__, url_prefix="/mssante_mail")
NOT_FOUND = "Introuvable, ou vous n'y avez pas accès."


def _error(status: int, message: str, field: str = "_schema") -> Any:
    return jsonify(errors={field: [message]}), status


@blueprint.errorhandler(SendRejected)
def _rejected(exc: SendRejected) -> Any:
    return jsonify(errors=exc.errors), exc.status


def _mail_exchange(exchange_id: int) -> Exchange | None:
    """The mail exchange if the current account may see it."""
    if not can_see(current_account().id, exchange_id):
        return None
    return Exchange.get_or_none((Exchange.id == exchange_id) & (Exchange.channel == CHANNEL))


def _payload() -> dict[str, Any]:
    data = request.get_json(silent=True) if request.content_length else {}
    if not isinstance(data, dict):
        raise SendRejected({"_schema": ["Un objet JSON est attendu."]}, status=400)
    return dict(data)


@blueprint.get("/mailboxes")
@api_login_required
def mailboxes() -> Any:
    """The identities whose mail the account reads (its own, its delegations), with unread counts, and the
    unread of all of them together (``unread``: a thread in two boxes counted once)."""
    boxes, unread = mailboxes_and_unread(current_account())
    return jsonify(mailboxes=boxes, unread=unread)


@blueprint.get("/search")
@api_login_required
def search() -> Any:
    try:
        args = MailSearchQuerySchema().load({k: v for k, v in request.args.items() if v != ""})
    except ValidationError as exc:
        return jsonify(errors=flatten_errors(exc.messages)), 422
    # Each row carries "mail": the sender or recipients, a preview, attachments, the delivery status.
    rows = search_mail(current_account(), q=args["q"], sender=args["sender"], subject=args["subject"],
                       patient=args["patient"], mailbox=args["mailbox"], folder=args["folder"],
                       limit=min(args["limit"], MAX_LIMIT), offset=args["offset"])
    return jsonify(exchanges=rows)


@blueprint.post("/exchanges/<int:exchange_id>/unread")
@api_login_required
def unread(exchange_id: int) -> Any:
    """« Marquer comme non lu »: the thread is unread again for this account (not for other delegates)."""
    if _mail_exchange(exchange_id) is None:
        return _error(404, NOT_FOUND)
    account = current_account()
    with write_transaction():
        count = mark_unread(account.id, exchange_id)
        if count:
            # The account's other pages (the mail space in another tab) refresh their counts.
            publish_on_commit(Event.for_exchange("exchange.updated", exchange_id,
                                                 {"exchange_id": exchange_id, "unread": count}, [account.id]))
    if not count:
        return _error(422, "Ce fil ne contient aucun mail reçu : il n'y a rien à marquer comme non lu.")
    return jsonify(unread=count)


@blueprint.get("/exchanges/<int:exchange_id>/status")
@api_login_required
def status(exchange_id: int) -> Any:
    if _mail_exchange(exchange_id) is None:
        return _error(404, NOT_FOUND)
    return jsonify(messages=exchange_statuses(exchange_id))


@blueprint.post("/exchanges/<int:exchange_id>/reply")
@api_login_required
def reply(exchange_id: int) -> Any:
    """Reply (to the other party) or, with ``"all": true``, reply to everyone; same body as a message."""
    exchange = _mail_exchange(exchange_id)
    if exchange is None:
        return _error(404, NOT_FOUND)
    payload = _payload()
    everyone = payload.pop("all", False)
    if not isinstance(everyone, bool):
        return _error(422, "Choisissez oui ou non.", "all")
    relais = current_relais()
    token = REPLY_ALL.set(everyone)
    try:
        message = relais.sender.post_message(exchange, current_account(), payload)
    finally:
        REPLY_ALL.reset(token)
    return jsonify(message=relais.serialize_message(message)), 201


@blueprint.post("/exchanges/<int:exchange_id>/forward")
@api_login_required
def forward(exchange_id: int) -> Any:
    """A new mail exchange carrying the original quoted, with its attachments."""
    exchange = _mail_exchange(exchange_id)
    if exchange is None:
        return _error(404, NOT_FOUND)
    payload = _payload()
    wanted = payload.pop("message", None)
    if wanted is None:
        original = last_mail(exchange.id)
    elif isinstance(wanted, int) and not isinstance(wanted, bool) and abs(wanted) <= Integer.BIGGEST:
        original = Message.get_or_none((Message.id == wanted) & (Message.exchange == exchange.id)
                                       & (Message.kind == "mail"))
    else:
        original = None
    if original is None:
        return _error(422, "Choisissez un mail de cet échange à transférer.", "message")
    account = current_account()
    copies = _copy_attachments(original.id, account.id)
    extra = payload.get("attachments") or []
    facts = original.data.get("mail", {})
    quoted = (f"<hr><p>---------- Message transféré ----------<br>De : {html.escape(facts.get('from_name') or '')} "
              f"&lt;{html.escape(facts.get('from', ''))}&gt;<br>Date : {original.created_at:%d/%m/%Y %H:%M} UTC<br>"
              f"Objet : {html.escape(facts.get('subject', exchange.subject))}<br>"
              f"À : {html.escape(', '.join(facts.get('to', [])))}</p>{original.body}")
    payload.update(subject=payload.get("subject") or forward_subject(exchange.subject),
                   body=sanitized_body(str(payload.get("body") or "")) + quoted,
                   attachments=[*copies, *(extra if isinstance(extra, list) else [extra])],
                   patient=payload.get("patient", exchange.patient_id))
    relais = current_relais()
    try:
        new, message = relais.sender.start_exchange(CHANNEL, account, payload)
    except SendRejected:
        Attachment.delete().where(Attachment.id.in_(copies)).execute()
        raise
    body = summary(new, 0, members_of([new.id]).get(new.id, []))
    return jsonify(exchange=body, message=relais.serialize_message(message) if message else None), 201


def _copy_attachments(message_id: int, account_id: int) -> list[int]:
    # The store is content-addressed: a copy is a row pointing at the same file, owned by the forwarder.
    originals = Attachment.select().join(MessageAttachment).where(MessageAttachment.message == message_id)
    return [Attachment.create(sha256=a.sha256, size=a.size, content_type=a.content_type, filename=a.filename,
                              uploaded_by=account_id).id for a in originals]


@blueprint.delete("/exchanges/<int:exchange_id>")
@api_login_required
def delete(exchange_id: int) -> Any:
    """Delete a mail thread for the account only: the others who see it (the mailbox's owner, the other
    delegates of a structure) keep it; the exchange goes once the last of them deleted it. Audited."""
    exchange = _mail_exchange(exchange_id)
    if exchange is None:
        return _error(404, NOT_FOUND)
    relais = current_relais()
    account = current_account()
    who = tuple(audience(exchange_id))
    # The mailbox it is deleted from: the thread's member identities the account reads (its own, or
    # a structure or colleague it is delegated on), and that mailbox's address.
    mailboxes = member_identity_for(account, exchange)
    address = ((exchange.data or {}).get("mail") or {}).get("mailbox", "")
    with write_transaction():
        count = exchange.messages.count()
        outcome = remove_thread(account.id, exchange_id)
        relais.audit.record("mail.delete", account_id=account.id, acting_as_id=mailboxes[0] if mailboxes else None,
                            target=f"exchange:{exchange_id}", status=200, outcome=outcome,
                            detail=f"mailbox={address} identities={mailboxes} messages={count}")
        # Hidden: gone from this account's pages only (its other tabs), the others keep it. Deleted: from the
        # pages of all who could see it (nobody is a member of a deleted exchange any more).
        publish_on_commit(Event.for_exchange("exchange.deleted", exchange_id, {"exchange_id": exchange_id},
                                             who if outcome == "deleted" else (account.id,)))
    return jsonify(deleted=exchange_id, outcome=outcome)
