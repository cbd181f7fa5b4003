"""The outbox: a message is stored, bytes and Message-ID fixed, in the send's transaction; statuses move later."""
from __future__ import annotations

import logging
from typing import Any

from ..db import utcnow
from ..models import Attachment, Exchange
from ..relais import current_relais
from ..event_types import MAIL_STATUS
from ..services.events import Event, publish_on_commit
from .addresses import normalize
from .compose import MailDraft, MailPart, build_mail, new_message_id, to_bytes
from .models import (DONE, FAILED, MAIL, PENDING, STATUS_LABELS, STATUS_RANK, MailIndex, OutgoingMail,
                     OutgoingRecipient)

log = logging.getLogger(__name__)
SEND_JOB = "kernel.mail.send"
STATUS_EVENT = MAIL_STATUS.name


class MailTooLarge(ValueError):
    """The built message exceeds ``mail_max_bytes``; ``size`` says by how much."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"message of {size} bytes over the {limit} bytes limit")
        self.size, self.limit = size, limit


def parts_of(attachments: list[Attachment]) -> list[MailPart]:
    """The attachments' bytes from the store, under the names the users gave them."""
    store = current_relais().attachments
    parts = []
    for attachment in attachments:
        with store.open(attachment) as fh:
            parts.append(MailPart(attachment.filename, attachment.content_type, fh.read()))
    return parts


def queue_mail(draft: MailDraft, *, exchange_id: int | None, kernel_message_id: int | None,
               account_id: int | None, acting_as_id: int | None, kind: str = MAIL,
               mail_from: str | None = None, message_id: str | None = None) -> OutgoingMail:
    """Store a message in the outbox and enqueue its send job. Call inside the send's transaction
    (``deliver`` runs in one): if the send rolls back, nothing of the mail remains; if it commits,
    the mail will be sent. Raises MailTooLarge before writing anything."""
    relais = current_relais()
    message_id = message_id or new_message_id(draft.sender)
    raw = to_bytes(build_mail(draft, message_id))
    return store_outgoing(raw, message_id, draft.to, draft.cc, exchange_id=exchange_id,
                          kernel_message_id=kernel_message_id, account_id=account_id, acting_as_id=acting_as_id,
                          kind=kind, mail_from=draft.sender if mail_from is None else mail_from,
                          mailbox_identity_id=acting_as_id, limit=relais.config["mail_max_bytes"])


def store_outgoing(raw: bytes, message_id: str, to: list[str], cc: list[str] = (), *, exchange_id: int | None,
                   kernel_message_id: int | None, account_id: int | None, acting_as_id: int | None, kind: str,
                   mail_from: str, mailbox_identity_id: int | None, limit: int) -> OutgoingMail:
    if len(raw) > limit:
        raise MailTooLarge(len(raw), limit)
    now = utcnow()
    outgoing = OutgoingMail.create(
        message_id=message_id, kind=kind, exchange_id=exchange_id, kernel_message_id=kernel_message_id,
        account_id=account_id, acting_as_id=acting_as_id, mail_from=mail_from, raw=raw, size=len(raw),
        next_attempt_at=now, created_at=now, updated_at=now)
    roles: dict[str, str] = {}
    for role, addresses in (("to", to), ("cc", cc)):
        for address in addresses:
            roles.setdefault(normalize(address), role)
    OutgoingRecipient.insert_many([{"outgoing": outgoing.id, "address": a, "role": r, "updated_at": now}
                                   for a, r in roles.items()]).execute()
    if exchange_id is not None and mailbox_identity_id is not None:
        # Replies to this message find its thread in the sender's mailbox by its Message-ID.
        MailIndex.insert(header_id=message_id, identity_id=mailbox_identity_id, exchange_id=exchange_id,
                         kernel_message_id=kernel_message_id, direction="out",
                         mailbox=normalize(mail_from), created_at=now).on_conflict_ignore().execute()
    current_relais().jobs.enqueue(SEND_JOB, {"outgoing": outgoing.id, "attempt": 1},
                                  dedupe_key=f"{SEND_JOB}:{outgoing.id}:1")
    return outgoing


def recipient_rows(outgoing_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Per outgoing mail, its recipients' statuses as the API shows them (one query)."""
    out: dict[int, list[dict[str, Any]]] = {i: [] for i in outgoing_ids}
    if not outgoing_ids:
        return out
    for r in (OutgoingRecipient.select().where(OutgoingRecipient.outgoing.in_(outgoing_ids))
              .order_by(OutgoingRecipient.id)):
        out[r.outgoing_id].append({"address": r.address, "role": r.role, "status": r.status,
                                   "label": STATUS_LABELS[r.status], "reason": r.reason,
                                   "updated_at": r.updated_at})
    return out


def statuses_by_message(kernel_message_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Recipients' statuses of the mails that carried these kernel messages (two queries)."""
    if not kernel_message_ids:
        return {}
    mails = list(OutgoingMail.select(OutgoingMail.id, OutgoingMail.kernel_message_id)
                 .where(OutgoingMail.kernel_message_id.in_(kernel_message_ids) & (OutgoingMail.kind == MAIL)))
    rows = recipient_rows([m.id for m in mails])
    result: dict[int, list[dict[str, Any]]] = {}
    for m in mails:
        result.setdefault(m.kernel_message_id, []).extend(rows[m.id])
    return result


def status_event(outgoing: OutgoingMail) -> Event | None:
    """The live event telling the exchange's audience where its message stands (None: nobody to tell)."""
    if outgoing.exchange_id is None or outgoing.kind != MAIL:
        return None
    if not Exchange.select().where(Exchange.id == outgoing.exchange_id).exists():
        return None
    return Event.for_exchange(STATUS_EVENT, outgoing.exchange_id,
                              {"message_id": outgoing.kernel_message_id, "outgoing": outgoing.id,
                               "recipients": recipient_rows([outgoing.id])[outgoing.id]})


def publish_status(outgoing: OutgoingMail) -> None:
    """Tell the exchange's audience where its mail stands, once the transaction that moved it commits."""
    event = status_event(outgoing)
    if event is not None:
        publish_on_commit(event)


def set_recipient_status(outgoing: OutgoingMail, address: str, status: str, reason: str = "",
                         smtp_code: int | None = None) -> bool:
    """Move one recipient forward (never backwards: a late "remis" does not undo "lu"); True if it moved."""
    recipient = OutgoingRecipient.get_or_none((OutgoingRecipient.outgoing == outgoing.id)
                                              & (OutgoingRecipient.address == normalize(address)))
    if recipient is None:
        return False
    if status != FAILED and STATUS_RANK[status] <= STATUS_RANK[recipient.status]:
        return False
    if status == FAILED and recipient.status == FAILED:
        return False
    recipient.status, recipient.reason, recipient.updated_at = status, reason[:1000], utcnow()
    if smtp_code is not None:
        recipient.smtp_code = smtp_code
    recipient.save()
    return True


def finish_if_settled(outgoing: OutgoingMail) -> None:
    """Once no recipient waits for an attempt, the outbox row is done (its statuses may still move by MDN)."""
    waiting = (OutgoingRecipient.select().where((OutgoingRecipient.outgoing == outgoing.id)
                                                & (OutgoingRecipient.status == PENDING)).exists())
    if not waiting and outgoing.status != DONE:
        OutgoingMail.update(status=DONE, updated_at=utcnow()).where(OutgoingMail.id == outgoing.id).execute()
        outgoing.status = DONE
