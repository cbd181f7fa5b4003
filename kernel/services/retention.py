"""Retention: exchanges are kept a period after their last activity, per channel (setting ``retention_days``),
then purged by a daily job with everything about them: messages, receipts, members, drafts, the mail transport's
rows, the channels' own rows (their foreign keys cascade from the exchange or its messages) and the attachments
no other message uses, files included. One audit line per channel purged says how much went, never what.

The audit lines about a purged exchange stay for the audit retention (``audit_retention_days``); they get the
exchange's patient first, so who consulted a patient's exchanges stays answerable.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

import peewee as pw

from ..db import on_commit, utcnow, write_transaction
from ..mail.models import HiddenThread, MailIndex, OutgoingMail
from ..models import (Attachment, AuditEvent, Draft, Exchange, Membership, Message, MessageAttachment, OpenedMark,
                      ReadReceipt)
from ..relais import current_relais

log = logging.getLogger(__name__)
DEFAULT_DAYS = 3650
BATCH = 200  # exchanges per transaction: a long purge never holds the write lock for long
PURGE = "retention.purge"


class RetentionMisconfigured(ValueError):
    """``retention_days`` cannot be used; the message (French, for the deployer) says why."""


def retention_periods(setting: Mapping[str, Any]) -> dict[str, int]:
    """Days per channel, ``default`` included (DEFAULT_DAYS when the table does not name it); 0: kept for ever."""
    periods = {"default": DEFAULT_DAYS}
    for name, days in setting.items():
        if isinstance(days, bool) or not isinstance(days, int) or days < 0:
            raise RetentionMisconfigured(f"retention_days : {name} doit être un nombre entier de jours, 0 ou plus "
                                         f"(0 : conservé sans limite), pas {days!r}")
        periods[str(name)] = days
    return periods


@dataclass
class PurgeCounts:
    exchanges: int = 0
    messages: int = 0
    receipts: int = 0
    attachments: int = 0
    files: int = 0
    exchange_ids: list[int] = field(default_factory=list)

    def add(self, other: "PurgeCounts") -> None:
        for name in ("exchanges", "messages", "receipts", "attachments", "files"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.exchange_ids.extend(other.exchange_ids)

    def detail(self, channel: str, days: int) -> str:
        return (f"channel={channel} days={days} exchanges={self.exchanges} messages={self.messages} "
                f"receipts={self.receipts} attachments={self.attachments} files={self.files}")


def expired(channel: str, days: int, now: dt.datetime) -> pw.SelectQuery:
    """Ids of the channel's exchanges whose last activity is older than ``days`` before ``now``."""
    return (Exchange.select(Exchange.id).where((Exchange.channel == channel)
                                               & (Exchange.last_message_at < now - dt.timedelta(days=days)))
            .order_by(Exchange.id))


def purge_expired(now: dt.datetime | None = None) -> dict[str, PurgeCounts]:
    """Purge every expired exchange, channel by channel; one audit line per channel that lost any."""
    relais = current_relais()
    now = now or utcnow()
    periods = retention_periods(relais.config["retention_days"])
    done: dict[str, PurgeCounts] = {}
    channels = [c for (c,) in Exchange.select(Exchange.channel).distinct().tuples()]
    for channel in sorted(channels):
        days = periods.get(channel, periods["default"])
        if days <= 0:
            continue
        total = PurgeCounts()
        while True:
            ids = [i for (i,) in expired(channel, days, now).limit(BATCH).tuples()]
            if not ids:
                break
            total.add(purge_exchanges(ids))
        if total.exchanges:
            relais.audit.record(PURGE, target=f"channel:{channel}"[:120], detail=total.detail(channel, days))
            log.info("retention: %s", total.detail(channel, days))
            done[channel] = total
    return done


def purge_exchanges(ids: Iterable[int]) -> PurgeCounts:
    """Delete these exchanges and what is theirs in one transaction; the files go once it has committed."""
    ids = list(ids)
    counts = PurgeCounts(exchanges=len(ids), exchange_ids=ids)
    started = utcnow()
    with write_transaction():
        messages = Message.select(Message.id).where(Message.exchange.in_(ids))
        counts.messages = messages.count()
        counts.receipts = ReadReceipt.select().where(ReadReceipt.message.in_(messages)).count()
        candidates = sorted({a for (a,) in MessageAttachment.select(MessageAttachment.attachment)
                             .where(MessageAttachment.message.in_(messages)).tuples()})
        # The audit lines outlive the exchange: they keep the patient it was about.
        patient_of = Exchange.select(Exchange.patient).where(Exchange.id == AuditEvent.exchange_id)
        (AuditEvent.update(patient_id=patient_of)
         .where(AuditEvent.exchange_id.in_(ids) & AuditEvent.patient_id.is_null()).execute())
        # Tables that name an exchange by a plain id (no foreign key to cascade).
        OutgoingMail.delete().where(OutgoingMail.exchange_id.in_(ids)).execute()
        MailIndex.delete().where(MailIndex.exchange_id.in_(ids)).execute()
        HiddenThread.delete().where(HiddenThread.exchange_id.in_(ids)).execute()
        Draft.delete().where(Draft.screen.in_([f"exchange:{i}" for i in ids])).execute()
        # Explicit, oldest dependants first, then the exchanges: the channels' own rows cascade from these.
        ReadReceipt.delete().where(ReadReceipt.message.in_(messages)).execute()
        OpenedMark.delete().where(OpenedMark.exchange.in_(ids)).execute()
        Membership.delete().where(Membership.exchange.in_(ids)).execute()
        Exchange.delete().where(Exchange.id.in_(ids)).execute()
        orphans = _unused(candidates)
        counts.attachments = len(orphans)
        # The rows go with the exchanges, in this transaction: a row outliving its purge would be a dangling
        # reference to a file unlinked below; a row staying because the purge rolled back keeps its file.
        Attachment.delete().where(Attachment.id.in_([a.id for a in orphans])).execute()
        hashes = {a.sha256 for a in orphans}

        def remove_files() -> None:
            # After the commit, and only the files no row names any more (a row of another upload of the same
            # content keeps it). A file written since the purge began stays (an upload of the same content may
            # be on its way to its row).
            counts.files = current_relais().attachments.remove_unnamed_files(hashes, older_than=started)

        on_commit(remove_files)
    return counts


def _unused(attachment_ids: list[int]) -> list[Attachment]:
    """Of these attachments, those no message (of another exchange) uses any more and no draft still holds (a
    forward being written with the attachment of a message being purged keeps it)."""
    if not attachment_ids:
        return []
    used = MessageAttachment.select(MessageAttachment.id).where(MessageAttachment.attachment == Attachment.id)
    unused = list(Attachment.select().where(Attachment.id.in_(attachment_ids) & ~pw.fn.EXISTS(used)))
    if not unused:
        return []
    # Draft.attachments is a JSON list of ids: read in Python, the same on SQLite and PostgreSQL.
    held = {int(i) for (ids,) in Draft.select(Draft.attachments).tuples() for i in (ids or [])
            if isinstance(i, int) or str(i).isdigit()}
    return [a for a in unused if a.id not in held]


def preview(now: dt.datetime | None = None) -> list[tuple[str, int, int]]:
    """(channel, days, exchanges already past their period) for every channel holding exchanges; nothing deleted.
    0 days: kept for ever, never expired."""
    now = now or utcnow()
    periods = retention_periods(current_relais().config["retention_days"])
    rows = []
    for (channel,) in Exchange.select(Exchange.channel).distinct().order_by(Exchange.channel).tuples():
        days = periods.get(channel, periods["default"])
        rows.append((channel, days, expired(channel, days, now).count() if days > 0 else 0))
    return rows
