"""Attachments: metadata rows; the bytes live in the content-addressed store."""
from __future__ import annotations

import peewee as pw

from ..db import BaseModel, utcnow
from .account import Account


class Attachment(BaseModel):
    sha256 = pw.CharField(max_length=64, index=True)
    size = pw.BigIntegerField()
    content_type = pw.CharField(max_length=120)
    filename = pw.CharField(max_length=255)
    uploaded_by = pw.ForeignKeyField(Account, null=True, on_delete="SET NULL")
    created_at = pw.DateTimeField(default=utcnow)
