"""What the mail transport keeps: the outbox with per-recipient statuses, the Message-ID index, IMAP cursors,
and received mail that could not be handed to a mailbox."""
from __future__ import annotations

import peewee as pw

from ..db import BaseModel, database, utcnow

# Outbox statuses of one message as a whole: waiting for a job, handed to a job right now, finished.
QUEUED, SENDING, DONE = "queued", "sending", "done"
# Per recipient: what the user sees (French labels in STATUS_LABELS).
PENDING, SENT, DELIVERED, READ, FAILED = "pending", "sent", "delivered", "read", "failed"
STATUS_LABELS = {PENDING: "en attente", SENT: "envoyé", DELIVERED: "remis", READ: "lu", FAILED: "échec"}
# An acknowledgement never moves a status backwards (a late "processed" after a "displayed").
STATUS_RANK = {PENDING: 0, SENT: 1, DELIVERED: 2, READ: 3, FAILED: 4}
MAIL, MDN = "mail", "mdn"


class BytesField(pw.Field):
    """Binary column (BLOB, bytea). peewee's BlobField asks the database for its binary type when the
    model is defined, which our per-app database proxy cannot answer outside an app context."""

    field_type = "BLOB"

    def db_value(self, value: bytes | None) -> object:
        return None if value is None else database.obj.get_binary_type()(bytes(value))

    def python_value(self, value: object) -> bytes | None:
        return None if value is None else bytes(value)


class OutgoingMail(BaseModel):
    """One message to hand to the relay, stored with its final bytes before the first attempt."""

    message_id = pw.CharField(max_length=255, unique=True)  # the Message-ID header, fixed at creation
    kind = pw.CharField(max_length=10, default=MAIL)  # "mail" or "mdn" (an acknowledgement we send)
    exchange_id = pw.IntegerField(null=True, index=True)
    kernel_message_id = pw.IntegerField(null=True, index=True)
    account_id = pw.IntegerField(null=True)  # the authenticated author, for the audit trail
    acting_as_id = pw.IntegerField(null=True)
    mail_from = pw.CharField(max_length=254, default="")  # envelope sender; "" is the null path (MDNs)
    raw = BytesField()  # the RFC 5322 bytes, exactly as every attempt sends them
    size = pw.IntegerField()
    status = pw.CharField(max_length=10, default=QUEUED)
    attempts = pw.IntegerField(default=0)
    # Set when an attempt starts, cleared when its outcome is recorded: still set after a restart
    # means the process died during an attempt (the relay may or may not have the message).
    attempt_started_at = pw.DateTimeField(null=True)
    next_attempt_at = pw.DateTimeField(null=True)
    last_error = pw.TextField(null=True)
    created_at = pw.DateTimeField(default=utcnow)
    updated_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "mail_outgoing"


class OutgoingRecipient(BaseModel):
    outgoing = pw.ForeignKeyField(OutgoingMail, backref="recipients", on_delete="CASCADE")
    address = pw.CharField(max_length=254)
    role = pw.CharField(max_length=4, default="to")  # "to" or "cc"
    status = pw.CharField(max_length=10, default=PENDING)
    reason = pw.TextField(default="")  # French, shown to the user on "échec"
    smtp_code = pw.IntegerField(null=True)
    updated_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "mail_outgoing_recipient"
        indexes = ((("outgoing", "address"), True),)


class MailIndex(BaseModel):
    """A Message-ID seen in a mailbox: threads replies, and makes receiving the same mail twice harmless."""

    header_id = pw.CharField(max_length=255)  # Message-ID without angle brackets
    identity_id = pw.IntegerField()  # the mailbox (a professional's or a structure's identity)
    exchange_id = pw.IntegerField(index=True)
    kernel_message_id = pw.IntegerField(null=True)
    direction = pw.CharField(max_length=3)  # "in" or "out"
    mailbox = pw.CharField(max_length=254, default="")  # the address of the mailbox it went through
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "mail_index"
        indexes = ((("header_id", "identity_id"), True),)


class ImapCursor(BaseModel):
    """How far one mailbox of the external operator has been read (UIDVALIDITY and last UID)."""

    mailbox = pw.CharField(max_length=254, unique=True)
    uidvalidity = pw.BigIntegerField(default=0)
    last_uid = pw.BigIntegerField(default=0)
    updated_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "mail_imap_cursor"


# An undelivered message is held until an administrator releases it (to its mailbox or another) or discards it.
HELD, RELEASED, DISCARDED = "held", "released", "discarded"
RELEASING = "releasing"  # claimed by one administrator's release, while it delivers


class UndeliveredMail(BaseModel):
    """A message the operator already accepted for us (IMAP) that no mailbox of the platform could take.

    Kept, bytes included, instead of being skipped: the sender got an error MDN if it asked for one, and
    an administrator decides what becomes of it ("non distribué")."""

    header_id = pw.CharField(max_length=255)  # Message-ID (or the stand-in key of a mail without one)
    mailbox = pw.CharField(max_length=254)  # the address it was fetched for
    source = pw.CharField(max_length=10)  # "imap"
    mail_from = pw.CharField(max_length=254, default="")
    raw = BytesField(null=True)  # dropped once released or discarded: the platform keeps no stray copy
    size = pw.IntegerField()
    code = pw.IntegerField()  # the SMTP-like code of the refusal (550 unknown mailbox, 552 attachment...)
    reason = pw.TextField()  # French, for the administrator
    status = pw.CharField(max_length=10, default=HELD)
    mdn_sent = pw.BooleanField(default=False)
    resolved_by = pw.IntegerField(null=True)  # the administrator's account
    resolved_at = pw.DateTimeField(null=True)
    created_at = pw.DateTimeField(default=utcnow)
    updated_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "mail_undelivered"
        indexes = ((("header_id", "mailbox"), True),)


class HiddenThread(BaseModel):
    """A mail thread one account removed from its mail space (« Supprimer »): the others who see it (the
    mailbox's owner, the other delegates of a structure) keep it. Plain ids, as MailIndex: these tables
    load before the exchange model. Hidden while nothing came after ``hidden_at`` (kernel/mail/hidden.py)."""

    account_id = pw.IntegerField()
    exchange_id = pw.IntegerField(index=True)
    hidden_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "mail_hidden_thread"
        indexes = ((("account_id", "exchange_id"), True),)


MAIL_MODELS = (OutgoingMail, OutgoingRecipient, MailIndex, ImapCursor, UndeliveredMail, HiddenThread)
