"""The mail space's lists: search on folded columns, what a row shows (sender or recipients, a preview,
attachments, the delivery status), and marking a thread unread.

A page of rows costs the same queries whatever its length: the exchanges, their unread counts and
members (kernel.services.threads), then two for the mail facts of the whole page.
"""
from __future__ import annotations

import html
import re
from typing import Any

import peewee as pw

from ..models import (Account, DirectoryAddress, DirectoryEntry, Exchange, Membership, Message, MessageAttachment,
                      OpenedMark, Patient)
from ..models.patient import fold
from ..schemas.french import plain_number
from ..services.acting_as import visible_exchanges
from ..services.threads import members_of, summary, unread_counts
from .hidden import hidden_threads
from .models import FAILED, PENDING, STATUS_LABELS, STATUS_RANK, OutgoingRecipient

MAIL_SPACE = "mail"
INBOX, SENT = "inbox", "sent"
PREVIEW_LENGTH = 160
_BODY_HEAD = 4000  # characters of a body read for its preview: enough for 160 of text after the markup
_BLOCK = re.compile(r"<\s*/?\s*(?:br|p|div|li|ul|ol|h[1-6]|tr|td|th|table|blockquote|hr|pre)\b[^>]*>?", re.I)
_TAG = re.compile(r"<[^>]*(?:>|$)")
_SPACES = re.compile(r"\s+")


def preview_text(body: str, length: int = PREVIEW_LENGTH) -> str:
    """One line of plain text from a sanitised HTML body: blocks become spaces, markup goes, entities
    are decoded; cut at a word with "…" when longer. A tag cut off by the read limit is dropped too."""
    text = _TAG.sub("", _BLOCK.sub(" ", body or ""))
    text = _SPACES.sub(" ", html.unescape(text)).strip()
    if len(text) <= length:
        return text
    cut = text[:length].rsplit(" ", 1)[0] if " " in text[:length] else text[:length]
    return cut.rstrip(" ,;:.") + "…"


def _words(text: str) -> list[str]:
    # Folded words hold only [a-z0-9]: no LIKE wildcard can get into a pattern.
    return fold(text).split()


def _word(column: pw.Field, word: str) -> pw.Expression:
    """``word`` starts one of the words of a folded column (" word word…")."""
    return column ** f"% {word}%"


def search_mail(account: Account, *, q: str = "", sender: str = "", subject: str = "", patient: str = "",
                mailbox: int | None = None, folder: str = "", limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
    """Mail exchanges the account sees, newest first, each a summary with its ``mail`` row facts.

    Every word typed must start a word of the searched field, accents and case aside: ``sender`` (the
    senders of received mail, names and addresses), ``subject``, ``patient`` (names; digits: the patient's
    id), ``q`` (each word in any of the three). ``folder``: ``inbox`` holds received mail, ``sent`` mail
    written here; ``mailbox``: one identity's threads."""
    query = (Exchange.select(Exchange, Patient).join(Patient, pw.JOIN.LEFT_OUTER, on=(Exchange.patient == Patient.id))
             .where(Exchange.id.in_(visible_exchanges(account.id)) & (Exchange.space == MAIL_SPACE)
                    & Exchange.id.not_in(hidden_threads(account.id))))
    if mailbox is not None:
        query = query.where(Exchange.id.in_(Membership.select(Membership.exchange)
                                            .where(Membership.identity == mailbox)))
    for word in _words(subject):
        query = query.where(_word(Exchange.search_subject, word))
    for word in _words(sender):
        query = query.where(_word(Exchange.search_senders, word))
    for word in _words(q):
        query = query.where(_word(Exchange.search_subject, word) | _word(Exchange.search_senders, word)
                            | _word(Patient.search_text, word))
    if patient.strip().isdigit():  # a patient's id
        patient_id = plain_number(patient)
        if patient_id is None:
            return []  # "²", or beyond what a 64-bit column holds: it names nobody
        query = query.where(Exchange.patient == patient_id)
    else:
        for word in _words(patient):
            query = query.where(_word(Patient.search_text, word))
    if folder:
        received = Message.author.is_null() if folder == INBOX else Message.author.is_null(False)
        query = query.where(Exchange.id.in_(Message.select(Message.exchange).where((Message.kind == "mail") & received)))
    exchanges = list(query.order_by(Exchange.last_message_at.desc(), Exchange.id.desc()).limit(limit).offset(offset))
    ids = [e.id for e in exchanges]
    unread = unread_counts(account.id, ids)
    members = members_of(ids)
    facts = mail_rows(ids)
    rows = []
    for e in exchanges:
        row = summary(e, unread.get(e.id, 0), members.get(e.id, []))
        row["mail"] = facts.get(e.id)
        rows.append(row)
    return rows


def mail_rows(exchange_ids: list[int]) -> dict[int, dict[str, Any]]:
    """What a list row shows per exchange (two queries for the whole page):

    ``from`` ({name, address}: the sender of the latest received mail, or None), ``to`` ([{address, name,
    role, status}]: the recipients of the latest mail sent from here), ``status`` ({status, label}: that
    mail's delivery as a whole, or None), ``preview`` (plain text of the latest mail), ``attachments``
    (how many files the thread's mails carry), ``direction`` ("in" or "out": the latest mail's)."""
    if not exchange_ids:
        return {}
    inner, link, owner = Message.alias(), MessageAttachment.alias(), Message.alias()
    # The latest received and the latest sent mail of each exchange: authorless mail came from outside.
    latest = (inner.select(pw.fn.MAX(inner.id)).where(inner.exchange.in_(exchange_ids) & (inner.kind == "mail"))
              .group_by(inner.exchange, inner.author.is_null()))
    files = (link.select(pw.fn.COUNT(link.id)).join(owner, on=(link.message == owner.id))
             .where(owner.exchange == Message.exchange))
    rows = (Message.select(Message.id, Message.exchange, Message.author, Message.data,
                           pw.fn.SUBSTR(Message.body, 1, _BODY_HEAD).alias("head"), files.alias("files"))
            .where(Message.id.in_(latest)).order_by(Message.id).dicts())
    out: dict[int, dict[str, Any]] = {}
    sent: dict[int, dict[str, Any]] = {}  # exchange id -> facts of its latest sent mail
    for row in rows:
        facts = (row["data"] or {}).get("mail") or {}
        entry = out.setdefault(row["exchange"], {"from": None, "to": [], "status": None, "preview": "",
                                                 "attachments": 0, "direction": "in"})
        # Rows come oldest first: the last one seen is the latest mail of the thread.
        entry.update(preview=preview_text(row["head"]), attachments=int(row["files"] or 0),
                     direction="in" if row["author"] is None else "out")
        if row["author"] is None:
            entry["from"] = {"name": facts.get("from_name") or "", "address": facts.get("from") or ""}
        else:
            sent[row["exchange"]] = facts
            entry["to"] = [{"address": a, "name": "", "role": role, "status": None}
                           for role in ("to", "cc") for a in facts.get(role) or []]
    _recipients(out, sent)
    return out


def _recipients(out: dict[int, dict[str, Any]], sent: dict[int, dict[str, Any]]) -> None:
    """Recipients of the latest sent mails with their status and their directory name (one query)."""
    outgoing = {facts["outgoing"]: exchange_id for exchange_id, facts in sent.items()
                if isinstance(facts.get("outgoing"), int)}
    if not outgoing:
        return
    rows = (OutgoingRecipient.select(OutgoingRecipient.outgoing, OutgoingRecipient.address, OutgoingRecipient.role,
                                     OutgoingRecipient.status, DirectoryEntry.display_name)
            .join(DirectoryAddress, pw.JOIN.LEFT_OUTER, on=(DirectoryAddress.address == OutgoingRecipient.address))
            .join(DirectoryEntry, pw.JOIN.LEFT_OUTER, on=(DirectoryAddress.entry == DirectoryEntry.id))
            .where(OutgoingRecipient.outgoing.in_(list(outgoing)))
            .order_by(OutgoingRecipient.outgoing, OutgoingRecipient.role.desc(), OutgoingRecipient.id).tuples())
    found: dict[int, list[dict[str, Any]]] = {}
    for outgoing_id, address, role, status, name in rows:
        found.setdefault(outgoing[outgoing_id], []).append(
            {"address": address, "name": name or "", "role": role, "status": status})
    for exchange_id, recipients in found.items():
        out[exchange_id]["to"] = recipients
        overall = overall_status([r["status"] for r in recipients])
        out[exchange_id]["status"] = {"status": overall, "label": STATUS_LABELS[overall]}


def overall_status(statuses: list[str]) -> str:
    """One status for a mail to several people: a failure first, then a wait, else the least advanced
    (remis only when every recipient's system acknowledged it)."""
    if FAILED in statuses:
        return FAILED
    if PENDING in statuses or not statuses:
        return PENDING
    return min(statuses, key=lambda s: STATUS_RANK.get(s, 0))


def mark_unread(account_id: int, exchange_id: int) -> int:
    """Unread again from the latest message someone else wrote (as a mail client marks a thread unread).

    Returns the thread's unread count for the account: 0 when nobody else wrote in it. The read receipts
    stay (the mail was read); only the account's reading mark moves back. An account that never read
    the thread has nothing to move."""
    latest = (Message.select(pw.fn.MAX(Message.id))
              .where((Message.exchange == exchange_id) & (Message.kind != "system")
                     & (Message.author.is_null() | (Message.author != account_id))).scalar())
    if not latest:
        return 0
    (OpenedMark.update(last_read_message_id=latest - 1)
     .where((OpenedMark.exchange == exchange_id) & (OpenedMark.account == account_id)
            & (OpenedMark.last_read_message_id >= latest)).execute())
    return unread_counts(account_id, [exchange_id]).get(exchange_id, 0)
