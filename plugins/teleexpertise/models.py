"""The téléexpertise plugin's tables: experts, requests and every change of a request's status.

Finalisation's tables (reports, billing acts) live in finalisation_models.py.
"""
from __future__ import annotations

import peewee as pw

from kernel import BaseModel, JSONField, utcnow
from kernel.models import Account, Exchange, Identity, Patient

# A request's statuses, in the order of its life (SPEC TE-5).
DEMANDEE, EN_COURS, REPONDUE, FINALISEE, REFUSEE, ANNULEE = (
    "demandee", "en_cours", "repondue", "finalisee", "refusee", "annulee")
STATUS_LABELS = {
    DEMANDEE: "Demandée",
    EN_COURS: "En cours",
    REPONDUE: "Répondue",
    FINALISEE: "Finalisée",
    REFUSEE: "Refusée",
    ANNULEE: "Annulée",
}
STATUSES = tuple(STATUS_LABELS)
# Kinds of field an expert's structured form may hold.
FIELD_TYPES = ("text", "choice", "yesno", "number", "date")


class Expert(BaseModel):
    """An identity that takes téléexpertise requests: a professional, or a structure (a hospital department)
    whose members and delegates take them acting as it."""

    identity = pw.ForeignKeyField(Identity, unique=True, backref="expert_profiles", on_delete="CASCADE")
    scope = pw.TextField(default="")  # "périmètre": what the expert answers about
    prerequisites = pw.TextField(default="")  # shown to requesters above the request screen
    # The structured request form: [{"name", "label", "type", "required", "choices", "unit"}...]
    form = JSONField(default=list)
    accepting = pw.BooleanField(default=True)
    back_on = pw.DateField(null=True)  # when a non-accepting expert takes requests again
    billing_number = pw.CharField(max_length=9, null=True)  # the person expert's AM number (TE-8)
    created_at = pw.DateTimeField(default=utcnow)
    updated_at = pw.DateTimeField(default=utcnow)
    updated_by = pw.ForeignKeyField(Account, null=True, on_delete="SET NULL")

    class Meta:
        table_name = "teleexpertise_expert"


class Request(BaseModel):
    """One téléexpertise: the exchange it lives in, who asked whom about which patient, and its status."""

    exchange = pw.ForeignKeyField(Exchange, unique=True, backref="teleexpertise_requests", on_delete="CASCADE")
    expert = pw.ForeignKeyField(Expert, backref="requests", on_delete="RESTRICT")
    expert_identity = pw.ForeignKeyField(Identity, on_delete="RESTRICT")  # denormalised: queues by identity
    requester = pw.ForeignKeyField(Identity, on_delete="RESTRICT")  # the identity asked in the name of
    requested_by = pw.ForeignKeyField(Account, on_delete="RESTRICT")
    patient = pw.ForeignKeyField(Patient, on_delete="RESTRICT")
    nir = pw.CharField(max_length=15)  # with its key; Corsica's 2A/2B as written
    billing_number = pw.CharField(max_length=9)  # the requester's AM number
    consent = pw.BooleanField(default=False)
    prerequisites = pw.TextField(default="")  # the expert's prerequisites as they were at request time
    # The structured answers: [{"name", "label", "type", "value", "display"}...], display in French.
    answers = JSONField(default=list)
    status = pw.CharField(max_length=12, default=DEMANDEE, index=True)
    status_reason = pw.TextField(default="")
    status_changed_at = pw.DateTimeField(default=utcnow)
    requested_at = pw.DateTimeField(default=utcnow)
    opened_at = pw.DateTimeField(null=True)
    answered_at = pw.DateTimeField(null=True)
    finalised_at = pw.DateTimeField(null=True)
    conclusion = pw.TextField(default="")  # the expert's conclusion, filled at finalisation
    incident = pw.TextField(default="")  # a technical incident noted at finalisation
    answered_by = pw.ForeignKeyField(Account, null=True, on_delete="SET NULL")

    class Meta:
        table_name = "teleexpertise_request"

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)


class StatusChange(BaseModel):
    """Each change of a request's status: the request's history, as shown and audited."""

    request = pw.ForeignKeyField(Request, backref="status_changes", on_delete="CASCADE")
    status = pw.CharField(max_length=12)
    previous = pw.CharField(max_length=12, default="")
    by = pw.ForeignKeyField(Account, null=True, on_delete="SET NULL")  # None: the platform did it
    at = pw.DateTimeField(default=utcnow)
    reason = pw.TextField(default="")

    class Meta:
        table_name = "teleexpertise_status_change"


MODELS = [Expert, Request, StatusChange]
