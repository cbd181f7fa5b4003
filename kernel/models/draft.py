"""What a user has typed and not sent yet, kept on the server so that a reload, a lost connection or
another device finds it again; and the answers already given to a send, so that a retried send is stored once."""
from __future__ import annotations

import peewee as pw

from ..db import BaseModel, JSONField, utcnow
from .account import Account


class Draft(BaseModel):
    """One screen's unsent input for one account: a send screen (``channel:<name>`` or
    ``channel:<name>:patient:<id>``) or a thread's message box (``exchange:<id>``)."""

    account = pw.ForeignKeyField(Account, on_delete="CASCADE", index=False)  # (account, screen) leads with it
    screen = pw.CharField(max_length=120)
    fields = JSONField(default=dict)  # the screen's field values, as the browser holds them
    attachments = JSONField(default=list)  # ids of attachments already uploaded by the account
    updated_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "draft"
        indexes = ((("account", "screen"), True),)


class IdempotentAnswer(BaseModel):
    """The first answer to a send made with an ``Idempotency-Key``: the same key from the same account
    gets it again instead of a second message. The unique index is what makes two racing requests one."""

    account = pw.ForeignKeyField(Account, on_delete="CASCADE")
    key = pw.CharField(max_length=200)
    request = pw.CharField(max_length=300)  # "POST /api/v1/...": a key reused for another request is refused
    status = pw.IntegerField(default=0)
    body = pw.TextField(null=True)  # the JSON exactly as first answered
    location = pw.CharField(max_length=300, default="")
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "idempotent_answer"
        indexes = ((("account", "key"), True),)
