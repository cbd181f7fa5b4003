"""Delivery statuses of the mails of an exchange, per recipient (en attente, envoyé, remis, lu, échec)."""
from __future__ import annotations

from typing import Any

from kernel.mail import MAIL, OutgoingMail, recipient_rows, statuses_by_message
from kernel.models import Message


def latest_statuses(exchange_id: int) -> list[dict[str, Any]]:
    """Recipients of the exchange's most recent outgoing mail (two queries)."""
    latest = (OutgoingMail.select(OutgoingMail.id).where((OutgoingMail.exchange_id == exchange_id)
                                                         & (OutgoingMail.kind == MAIL))
              .order_by(OutgoingMail.id.desc()).first())
    return recipient_rows([latest.id])[latest.id] if latest else []


def exchange_statuses(exchange_id: int) -> dict[str, list[dict[str, Any]]]:
    """Per kernel message id (as a string, JSON keys), the statuses of its recipients."""
    ids = [i for (i,) in Message.select(Message.id).where((Message.exchange == exchange_id)
                                                          & (Message.kind == "mail")).tuples()]
    return {str(k): v for k, v in statuses_by_message(ids).items()}
