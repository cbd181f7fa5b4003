"""Removing a mail thread from one's own mail space without taking it from anyone else.

A mailbox is often read by several people (a structure's delegates, a professional and their secretary):
« Supprimer » hides the thread for the account that asked, the others keep it. A mail arriving afterwards
brings it back, as a mail client shows a new reply to a conversation one deleted. The exchange itself is
deleted only when nobody who sees it still has it in their lists.
"""
from __future__ import annotations

from typing import Iterable

import peewee as pw

from ..db import utcnow
from ..models import Exchange
from ..services.acting_as import audience
from .models import HiddenThread, MailIndex

HIDDEN, DELETED = "hidden", "deleted"


def hidden_threads(account_id: int) -> pw.SelectQuery:
    """The ids of the exchanges the account hid, while no message came after (a subquery for ``in_``)."""
    return (HiddenThread.select(HiddenThread.exchange_id)
            .join(Exchange, on=(HiddenThread.exchange_id == Exchange.id))
            .where((HiddenThread.account_id == account_id)
                   & (Exchange.last_message_at.is_null() | (Exchange.last_message_at <= HiddenThread.hidden_at))))


def hide_thread(account_id: int, exchange_id: int) -> None:
    """Hide the thread for the account (inside the caller's transaction); hiding again moves the mark."""
    now = utcnow()
    updated = (HiddenThread.update(hidden_at=now)
               .where((HiddenThread.account_id == account_id) & (HiddenThread.exchange_id == exchange_id)).execute())
    if not updated:
        HiddenThread.create(account_id=account_id, exchange_id=exchange_id, hidden_at=now)


def still_shown_to(exchange_id: int, account_ids: Iterable[int]) -> list[int]:
    """Those of ``account_ids`` that have not hidden the thread (or got a new mail in it since)."""
    wanted = sorted(set(account_ids))
    if not wanted:
        return []
    hidden = {a for (a,) in HiddenThread.select(HiddenThread.account_id)
              .join(Exchange, on=(HiddenThread.exchange_id == Exchange.id))
              .where((HiddenThread.exchange_id == exchange_id) & HiddenThread.account_id.in_(wanted)
                     & (Exchange.last_message_at.is_null() | (Exchange.last_message_at <= HiddenThread.hidden_at)))
              .tuples()}
    return [a for a in wanted if a not in hidden]


def remove_thread(account_id: int, exchange_id: int) -> str:
    """« Supprimer » a mail thread for ``account_id`` (inside the caller's transaction): HIDDEN when
    someone else who sees it still has it (the mailbox's owner, another delegate), DELETED (the exchange,
    its messages and index rows) when the account was the last one to have it in their lists."""
    others = [a for a in audience(exchange_id) if a != account_id]
    if still_shown_to(exchange_id, others):
        hide_thread(account_id, exchange_id)
        return HIDDEN
    MailIndex.delete().where(MailIndex.exchange_id == exchange_id).execute()
    HiddenThread.delete().where(HiddenThread.exchange_id == exchange_id).execute()
    Exchange.delete().where(Exchange.id == exchange_id).execute()
    return DELETED
