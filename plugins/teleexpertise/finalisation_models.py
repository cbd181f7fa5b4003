"""What finalisation leaves behind: each version of the compte rendu (Report) and the billable acts (Act)."""
from __future__ import annotations

import peewee as pw

from kernel import BaseModel, JSONField, utcnow
from kernel.models import Account, Attachment, Identity, Message

from .models import Request

PENDING, DONE, FAILED = "pending", "done", "failed"  # a report's states
RQD, TE2 = "RQD", "TE2"  # the requester's act, the expert's act (STANDARDS.md, Téléexpertise)
ACT_LABELS = {RQD: "Demande de téléexpertise (requérant)", TE2: "Téléexpertise (requis)"}


class Report(BaseModel):
    """One generation of the compte rendu: version n+1 each time the expert side presses « Générer »."""

    request = pw.ForeignKeyField(Request, backref="reports", on_delete="CASCADE")
    version = pw.IntegerField()
    state = pw.CharField(max_length=10, default=PENDING)
    message_ids = JSONField(default=list)  # the messages the expert ticked, in thread order
    attachment = pw.ForeignKeyField(Attachment, null=True, on_delete="SET NULL")
    message = pw.ForeignKeyField(Message, null=True, on_delete="SET NULL")  # the thread line carrying the PDF
    error = pw.TextField(default="")  # French, shown to the expert side when the generation failed
    billing_number = pw.CharField(max_length=9, default="")  # the finaliser's AM number, confirmed (TE2)
    requested_by = pw.ForeignKeyField(Account, on_delete="RESTRICT")
    created_at = pw.DateTimeField(default=utcnow)
    done_at = pw.DateTimeField(null=True)

    class Meta:
        table_name = "teleexpertise_report"
        indexes = ((("request", "version"), True),)


class Act(BaseModel):
    """A billable act of a finalised téléexpertise: written once, at the first finalisation."""

    request = pw.ForeignKeyField(Request, backref="acts", on_delete="CASCADE")
    code = pw.CharField(max_length=3)
    professional = pw.ForeignKeyField(Identity, on_delete="RESTRICT")  # the person (or structure) billed for
    account = pw.ForeignKeyField(Account, null=True, on_delete="SET NULL")  # the professional who did it
    rpps = pw.CharField(max_length=11, default="")
    billing_number = pw.CharField(max_length=9, default="")
    structure = pw.TextField(default="")  # the structure acted for, if any
    patient_nir = pw.CharField(max_length=15)
    act_date = pw.DateField(index=True)
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "teleexpertise_act"
        indexes = ((("request", "code"), True),)
