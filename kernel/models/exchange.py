"""Exchanges (a conversation, a mail thread, a téléexpertise...), their members, messages and reads."""
from __future__ import annotations

from typing import Any

import peewee as pw

from ..db import BaseModel, JSONField, utcnow
from .account import Account
from .attachment import Attachment
from .identity import Identity
from .patient import Patient, fold

CHAT = "chat"
MAIL = "mail"


class Exchange(BaseModel):
    channel = pw.CharField(max_length=60, index=True)
    space = pw.CharField(max_length=8, choices=[(CHAT, "Conversations"), (MAIL, "Messagerie sécurisée")])
    subject = pw.CharField(max_length=250)
    patient = pw.ForeignKeyField(Patient, null=True, backref="exchanges", on_delete="SET NULL")
    status = pw.CharField(max_length=40, default="open")
    created_by = pw.ForeignKeyField(Account, null=True, on_delete="SET NULL")
    acting_as = pw.ForeignKeyField(Identity, null=True, on_delete="SET NULL")
    created_at = pw.DateTimeField(default=utcnow)
    last_message_at = pw.DateTimeField(default=utcnow, index=True)
    # Channel-specific facts small enough not to need a table of their own.
    data = JSONField(default=dict)
    # What searches read, folded in Python (" word word…", see models.patient.fold): SQLite's LOWER()
    # folds ASCII only, so "émilie" must meet "Émilie" already folded, the same on PostgreSQL.
    # search_subject is written by save(); search_senders by the mail transport (received mail only).
    search_subject = pw.TextField(default="")
    search_senders = pw.TextField(default="")

    def save(self, force_insert: bool = False, only: Any = None) -> Any:
        # Compared by name: a peewee field's == builds an SQL expression, so "field in only" is always true.
        if only is None or "subject" in {getattr(f, "name", f) for f in only}:
            self.search_subject = folded_words(self.subject)
            if only is not None:
                only = list(only) + [Exchange.search_subject]
        return super().save(force_insert=force_insert, only=only)


def folded_words(*texts: str | None) -> str:
    """" word word…" (a space before each distinct folded word) so that "LIKE '% pre%'" is a prefix
    match on any word, on SQLite and PostgreSQL alike."""
    words = dict.fromkeys(w for text in texts for w in fold(text).split())
    return "".join(f" {w}" for w in words)


class Membership(BaseModel):
    """An identity taking part in an exchange; the accounts behind it (itself or its delegates) see it."""

    exchange = pw.ForeignKeyField(Exchange, backref="memberships", on_delete="CASCADE")
    identity = pw.ForeignKeyField(Identity, backref="memberships", on_delete="CASCADE")
    role = pw.CharField(max_length=20, default="member")
    added_by = pw.ForeignKeyField(Account, null=True, on_delete="SET NULL")
    joined_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("exchange", "identity"), True), (("identity", "exchange"), False))


class Message(BaseModel):
    # No index of its own: (exchange, id) below serves every lookup by exchange, and one index fewer is one
    # b-tree page fewer written with every message.
    exchange = pw.ForeignKeyField(Exchange, backref="messages", on_delete="CASCADE", index=False)
    # Null author: a system line ("X a renommé la conversation") or a message from outside.
    author = pw.ForeignKeyField(Account, null=True, on_delete="SET NULL")
    acting_as = pw.ForeignKeyField(Identity, null=True, on_delete="SET NULL")
    kind = pw.CharField(max_length=20, default="text")
    body = pw.TextField(default="")
    created_at = pw.DateTimeField(default=utcnow)
    data = JSONField(default=dict)

    class Meta:
        indexes = ((("exchange", "id"), False),)


class MessageAttachment(BaseModel):
    message = pw.ForeignKeyField(Message, backref="attachment_links", on_delete="CASCADE")
    attachment = pw.ForeignKeyField(Attachment, backref="message_links", on_delete="RESTRICT")

    class Meta:
        indexes = ((("message", "attachment"), True),)


class ReadReceipt(BaseModel):
    """Who saw which message, and when (CONV-8)."""

    message = pw.ForeignKeyField(Message, backref="receipts", on_delete="CASCADE", index=False)  # (message, account)
    account = pw.ForeignKeyField(Account, on_delete="CASCADE")
    read_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("message", "account"), True),)


class OpenedMark(BaseModel):
    """Who opened an exchange, when first and last, and how far they have read (unread counts)."""

    # Indexed by the two pairs below, each leading with one of them.
    exchange = pw.ForeignKeyField(Exchange, backref="opened_marks", on_delete="CASCADE", index=False)
    account = pw.ForeignKeyField(Account, on_delete="CASCADE", index=False)
    first_opened_at = pw.DateTimeField(default=utcnow)
    last_opened_at = pw.DateTimeField(default=utcnow)
    last_read_message_id = pw.IntegerField(default=0)

    class Meta:
        indexes = ((("exchange", "account"), True), (("account", "exchange"), False))
