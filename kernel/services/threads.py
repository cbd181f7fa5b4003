"""Reading exchanges: the inbox and a thread's messages, in a fixed number of queries whatever their size."""
from __future__ import annotations

from collections import defaultdict
from typing import Any

import peewee as pw

from ..models import (Account, Attachment, Exchange, Identity, Membership, Message, MessageAttachment,
                      OpenedMark, Patient)
from ..mail.hidden import hidden_threads  # mail threads an account removed from its lists, others keeping them
from .acting_as import identity_ids, visible_exchanges


def patient_summary(patient: Patient | None) -> dict[str, Any] | None:
    if patient is None:
        return None
    return {"id": patient.id, "display_name": patient.display_name, "ins": patient.ins}


def inbox(account_id: int, space: str | None = None, patient_id: int | None = None,
          limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
    """The exchanges an account sees, newest activity first, with unread counts and members (3 queries)."""
    query = (Exchange.select(Exchange, Patient)
             .join(Patient, pw.JOIN.LEFT_OUTER, on=(Exchange.patient == Patient.id))
             .where(Exchange.id.in_(visible_exchanges(account_id)) & Exchange.id.not_in(hidden_threads(account_id))))
    if space:
        query = query.where(Exchange.space == space)
    if patient_id:
        query = query.where(Exchange.patient == patient_id)
    exchanges = list(query.order_by(Exchange.last_message_at.desc(), Exchange.id.desc()).limit(limit).offset(offset))
    ids = [e.id for e in exchanges]
    unread = unread_counts(account_id, ids)
    members = members_of(ids)
    return [summary(e, unread.get(e.id, 0), members.get(e.id, [])) for e in exchanges]


def summary(exchange: Exchange, unread: int, members: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": exchange.id, "channel": exchange.channel, "space": exchange.space, "subject": exchange.subject,
        "status": exchange.status, "patient": patient_summary(exchange.patient) if exchange.patient_id else None,
        "created_at": exchange.created_at, "last_message_at": exchange.last_message_at,
        "unread": unread, "members": members,
        # A channel's own status as a short French label for list rows ({"text", "level"}), kept by its plugin
        # in exchange.data["status_label"] (docs/plugins.md, "Exchange.data"); None when it has none.
        "status_label": (exchange.data or {}).get("status_label"),
    }


def unread_counts(account_id: int, exchange_ids: list[int]) -> dict[int, int]:
    """Messages by others after the account's last read one, per exchange (one grouped query)."""
    if not exchange_ids:
        return {}
    mark = OpenedMark.alias()
    rows = (Message.select(Message.exchange, pw.fn.COUNT(Message.id))
            .join(mark, pw.JOIN.LEFT_OUTER,
                  on=((mark.exchange == Message.exchange) & (mark.account == account_id)))
            .where(Message.exchange.in_(exchange_ids)
                   & (Message.id > pw.fn.COALESCE(mark.last_read_message_id, 0)) & _by_others(account_id))
            .group_by(Message.exchange).tuples())
    return {exchange_id: count for exchange_id, count in rows}


def _by_others(account_id: int) -> pw.Expression:
    """What may be unread for an account: neither written by it nor sent in the name of an identity it reads
    for. What a mailbox sent (the doctor's own mail, read by her secretary; the secretary's, sent for the
    doctor) lies in that box's « Envoyés », never in what its badges count as waiting."""
    mine = identity_ids(account_id)
    by_others = Message.author.is_null() | (Message.author != account_id)
    if not mine:
        return by_others
    return by_others & (Message.acting_as.is_null() | Message.acting_as.not_in(mine))


def unread_by_space(account_id: int) -> dict[str, int]:
    """Unread messages per space for the inbox tabs (one query)."""
    mark = OpenedMark.alias()
    rows = (Message.select(Exchange.space, pw.fn.COUNT(Message.id))
            .join(Exchange, on=(Message.exchange == Exchange.id))
            .join(mark, pw.JOIN.LEFT_OUTER, on=((mark.exchange == Message.exchange) & (mark.account == account_id)))
            .where(Message.exchange.in_(visible_exchanges(account_id)) & Message.exchange.not_in(hidden_threads(account_id))
                   & (Message.id > pw.fn.COALESCE(mark.last_read_message_id, 0)) & _by_others(account_id))
            .group_by(Exchange.space).tuples())
    counts = {"chat": 0, "mail": 0}
    counts.update({space: count for space, count in rows})
    return counts


def members_of(exchange_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if not exchange_ids:
        return out
    rows = (Membership.select(Membership.exchange, Membership.role, Identity.id, Identity.kind, Identity.display_name)
            .join(Identity).where(Membership.exchange.in_(exchange_ids))
            .order_by(Membership.id).tuples())
    for exchange_id, role, identity_id, kind, name in rows:
        out[exchange_id].append({"id": identity_id, "kind": kind, "display_name": name, "role": role})
    return out


def messages(exchange_id: int, before: int | None = None, after: int | None = None,
             limit: int = 50) -> list[Message]:
    """A page of a thread, oldest first: the latest ``limit`` before ``before``, or all after ``after`` (2 queries)."""
    author = Account.alias()
    acting = Identity.alias()
    query = (Message.select(Message, author, acting)
             .join_from(Message, author, pw.JOIN.LEFT_OUTER, on=(Message.author == author.id), attr="author")
             .join_from(Message, acting, pw.JOIN.LEFT_OUTER, on=(Message.acting_as == acting.id), attr="acting_as")
             .where(Message.exchange == exchange_id))
    if after is not None:
        rows = list(query.where(Message.id > after).order_by(Message.id).limit(limit))
    else:
        if before is not None:
            query = query.where(Message.id < before)
        rows = list(reversed(list(query.order_by(Message.id.desc()).limit(limit))))
    attach(rows)
    return rows


def attach(rows: list[Message]) -> None:
    """Give each message its attachments in one query (``message.prefetched_attachments``)."""
    by_message: dict[int, list[Attachment]] = defaultdict(list)
    if rows:
        links = (MessageAttachment.select(MessageAttachment.message, Attachment)
                 .join(Attachment).where(MessageAttachment.message.in_([m.id for m in rows]))
                 .order_by(MessageAttachment.id))
        for link in links:
            by_message[link.message_id].append(link.attachment)
    for m in rows:
        m.prefetched_attachments = by_message.get(m.id, [])
