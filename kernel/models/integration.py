"""Pushes of a document into a hospital or practice software (DPI): one row per push, whatever the connector."""
from __future__ import annotations

import peewee as pw

from ..db import BaseModel, utcnow
from .account import Account
from .attachment import Attachment
from .exchange import Exchange
from .patient import Patient

PENDING, INTEGRATED, FAILED = "en_attente", "integre", "echec"
STATES = ((PENDING, "En attente"), (INTEGRATED, "Intégré"), (FAILED, "Échec"))


class Integration(BaseModel):
    """What became of one push: written by the kernel before the connector is asked, updated by the kernel
    only (``kernel.report_integration``), so every connector's outcome is traced and shown the same way."""

    attachment = pw.ForeignKeyField(Attachment, on_delete="CASCADE")
    patient = pw.ForeignKeyField(Patient, null=True, on_delete="SET NULL")
    exchange = pw.ForeignKeyField(Exchange, null=True, on_delete="SET NULL")
    account = pw.ForeignKeyField(Account, on_delete="CASCADE")
    target = pw.CharField(max_length=30)  # "logiciel", "dossier_regional", "dmp"
    connector = pw.CharField(max_length=100)  # the connector instance's name
    state = pw.CharField(max_length=12, default=PENDING, choices=STATES)
    message = pw.TextField(default="")  # French, for the user: what the software answered
    reference = pw.CharField(max_length=200, default="")  # the software's id for the document, when it gives one
    attempts = pw.IntegerField(default=0)
    created_at = pw.DateTimeField(default=utcnow)
    updated_at = pw.DateTimeField(default=utcnow)
    integrated_at = pw.DateTimeField(null=True)

    class Meta:
        table_name = "integration"
        indexes = ((("attachment", "account"), False),)
