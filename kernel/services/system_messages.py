"""Lines the platform writes in a thread (a member added, a renaming, a reminder, a synthesis): one way to post them.

Who did what is named with ``actor_name``: « Isabelle ROUX pour le compte de Dr BERNARD » when the account
takes part through a delegation (kernel/services/behalf.py).
"""
from __future__ import annotations

from typing import Any, Iterable

from ..db import write_transaction
from ..models import Account, Attachment, Exchange, Message, MessageAttachment
from ..relais import current_relais
from .behalf import actor_name
from .events import Event, publish_on_commit

__all__ = ["SYSTEM", "actor_name", "announce_message", "post_system_message"]

SYSTEM = "system"  # the kind of a line the platform writes (no author)


def announce_message(message: Message) -> None:
    """Tell the exchange's audience about a stored message (``message.created``) once the transaction commits."""
    publish_on_commit(Event.for_exchange("message.created", message.exchange_id,
                                         current_relais().serialize_message(message)))


def post_system_message(exchange: Exchange | int, body: str, *, kind: str = SYSTEM, author: Account | None = None,
                        data: dict[str, Any] | None = None, attachments: Iterable[Attachment] = ()) -> Message:
    """Write ``body`` in the exchange's thread as the platform: store the message, move the exchange up the
    inbox (``last_message_at``) and publish ``message.created`` once the transaction commits.

    Runs in the caller's transaction when there is one (all of it happens with the caller's writes, or
    none), else in its own.

    :param kind: ``"system"`` for a line without author; another kind for what the platform posts on
        someone's behalf (the kernel's syntheses use ``"synthesis"`` with the account that asked).
    :param author: the account it is posted for, if any (None: a system line).
    :param attachments: documents the line carries (a synthesis's PDF).
    """
    exchange_id = exchange if isinstance(exchange, int) else exchange.id
    with write_transaction():
        message = Message.create(exchange=exchange_id, author=author, kind=kind, body=body, data=data or {})
        files = list(attachments)
        if files:
            MessageAttachment.insert_many([{"message": message.id, "attachment": a.id} for a in files]).execute()
        Exchange.update(last_message_at=message.created_at).where(Exchange.id == exchange_id).execute()
        if isinstance(exchange, Exchange):
            exchange.last_message_at = message.created_at
        announce_message(message)
    return message
