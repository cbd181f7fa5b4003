"""What an account shares about each patient of a list (« Mes patients »): how many exchanges it sees about
them, and how many of their messages it has not read. Two grouped queries for the whole list, whatever its
length; the exchanges counted are exactly those of the patient's page (``threads.inbox``)."""
from __future__ import annotations

import peewee as pw

from ..mail.hidden import hidden_threads
from ..models import Exchange, Message, OpenedMark
from .acting_as import visible_exchanges


def activity(account_id: int, patient_ids: list[int]) -> dict[int, tuple[int, int]]:
    """patient id → (exchanges the account sees about them, messages by others it has not read yet)."""
    if not patient_ids:
        return {}
    seen = (Exchange.patient.in_(patient_ids) & Exchange.id.in_(visible_exchanges(account_id))
            & Exchange.id.not_in(hidden_threads(account_id)))
    counts = dict(Exchange.select(Exchange.patient, pw.fn.COUNT(Exchange.id)).where(seen)
                  .group_by(Exchange.patient).tuples())
    mark = OpenedMark.alias()
    unread = dict(Message.select(Exchange.patient, pw.fn.COUNT(Message.id))
                  .join(Exchange, on=(Message.exchange == Exchange.id))
                  .join(mark, pw.JOIN.LEFT_OUTER,
                        on=((mark.exchange == Message.exchange) & (mark.account == account_id)))
                  .where(seen & (Message.id > pw.fn.COALESCE(mark.last_read_message_id, 0))
                         & (Message.author.is_null() | (Message.author != account_id)))
                  .group_by(Exchange.patient).tuples())
    return {pid: (counts.get(pid, 0), unread.get(pid, 0)) for pid in patient_ids}
