"""Audit search, consultations and patient export payloads (administrators): the query string of the search
and its CSV export, and the answers. One description for the API, the pages' scripts and OpenAPI."""
from __future__ import annotations

import re
from typing import Any

from marshmallow import EXCLUDE, ValidationError, fields, post_load, validate, validates_schema

from ..models import Account, Identity, MailAddress, Patient
from ..services.audit_search import AuditFilters, is_known_action, is_known_outcome
from . import french as f

MAX_PER_PAGE = 200
_DIGITS = re.compile(r"[0-9]{1,18}")
_INS = re.compile(r"[0-9]{5}(?:[0-9]{2}|2[AB])[0-9]{8}", re.IGNORECASE)


def find_account(text: str) -> int | None:
    """An account by its login, or by its number."""
    found = Account.select(Account.id).where(Account.login == text).scalar()
    if found is None and _DIGITS.fullmatch(text):
        found = Account.select(Account.id).where(Account.id == int(text)).scalar()
    return found


def find_identity(text: str) -> int | None:
    """An identity (a professional, a structure) by one of its MSSanté addresses, or by its number."""
    found = MailAddress.select(MailAddress.identity).where(MailAddress.address == text.lower()).scalar()
    if found is None and _DIGITS.fullmatch(text):
        found = Identity.select(Identity.id).where(Identity.id == int(text)).scalar()
    return found


def find_patient(text: str) -> int | None:
    """A patient by INS (15 characters, spaces allowed), or by their number on the platform."""
    compact = re.sub(r"\s+", "", text).upper()
    if _INS.fullmatch(compact):
        return Patient.select(Patient.id).where(Patient.ins == compact).scalar()
    if _DIGITS.fullmatch(compact):
        return Patient.select(Patient.id).where(Patient.id == int(compact)).scalar()
    return None


class AuditQuerySchema(f.FrenchSchema):
    """Filters of GET /api/v1/admin/audit (and of its CSV export): all optional, combined with « et »."""

    account = f.Line(load_default="", validate=f.length(max_length=254),
                     metadata={"description": "Compte qui a agi : identifiant de connexion ou numéro de compte."})
    acting_as = f.Line(load_default="", validate=f.length(max_length=254),
                       metadata={"description": "Identité pour laquelle il agissait : adresse MSSanté ou numéro."})
    exchange = f.Integer(load_default=None, validate=validate.Range(min=1, error="Saisissez un numéro d'échange."),
                         metadata={"description": "Numéro de l'échange."})
    patient = f.Line(load_default="", validate=f.length(max_length=40),
                     metadata={"description": "Patient : INS ou numéro du patient sur la plateforme. Les lignes "
                                              "sur les échanges le concernant sont comprises."})
    action = f.Line(load_default="", validate=f.length(max_length=80),
                    metadata={"description": "Une action (voir GET /api/v1/admin/audit/choices)."})
    outcome = f.Line(load_default="", validate=f.length(max_length=20),
                     metadata={"description": "Résultat : ok, refused, failed, throttled…"})
    start = f.Date(load_default=None, data_key="from",
                   metadata={"description": "Premier jour (heure de Paris), inclus, AAAA-MM-JJ."})
    end = f.Date(load_default=None, data_key="to",
                 metadata={"description": "Dernier jour (heure de Paris), inclus, AAAA-MM-JJ."})
    page = f.Integer(load_default=1, validate=validate.Range(min=1, max=100_000, error="Page de 1 à 100 000."))
    per_page = f.Integer(load_default=50, validate=validate.Range(
        min=1, max=MAX_PER_PAGE, error=f"De 1 à {MAX_PER_PAGE} lignes par page."))

    class Meta:
        unknown = EXCLUDE  # a query string may carry a cache-buster

    @validates_schema
    def _period(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise ValidationError("Le dernier jour doit suivre le premier.", "to")
        if data.get("action") and not is_known_action(data["action"]):
            raise ValidationError("Cette action n'existe pas : choisissez-en une de la liste.", "action")
        if data.get("outcome") and not is_known_outcome(data["outcome"]):
            raise ValidationError("Choisissez un résultat de la liste.", "outcome")

    @post_load
    def _filters(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        errors: dict[str, list[str]] = {}
        account_id = acting_as_id = patient_id = None
        if data["account"]:
            account_id = find_account(data["account"])
            if account_id is None:
                errors["account"] = ["Aucun compte n'a cet identifiant ni ce numéro."]
        if data["acting_as"]:
            acting_as_id = find_identity(data["acting_as"])
            if acting_as_id is None:
                errors["acting_as"] = ["Aucune identité n'a cette adresse MSSanté ni ce numéro."]
        if data["patient"]:
            patient_id = find_patient(data["patient"])
            if patient_id is None:
                errors["patient"] = ["Aucun patient n'a cet INS ni ce numéro."]
        if errors:
            raise ValidationError(errors)
        filters = AuditFilters(account_id=account_id, acting_as_id=acting_as_id, exchange_id=data["exchange"],
                               patient_id=patient_id, action=data["action"] or None,
                               outcome=data["outcome"] or None, start=data["start"], end=data["end"])
        return {"filters": filters, "page": data["page"], "per_page": data["per_page"]}


class _Who(f.FrenchSchema):
    id = fields.Integer()
    login = fields.String()
    name = fields.String()


class _Identity(f.FrenchSchema):
    id = fields.Integer()
    display_name = fields.String()


class AuditLineSchema(f.FrenchSchema):
    id = fields.Integer()
    at = fields.DateTime(metadata={"description": "Horodatage UTC (ISO 8601)."})
    account = fields.Nested(_Who, allow_none=True)
    acting_as = fields.Nested(_Identity, allow_none=True)
    action = fields.String(metadata={"example": "exchange.consult"})
    action_label = fields.String(metadata={"example": "Consultation d'un échange"})
    target = fields.String(metadata={"example": "exchange:12"})
    exchange_id = fields.Integer(allow_none=True)
    patient_id = fields.Integer(allow_none=True)
    outcome = fields.String(metadata={"example": "ok"})
    outcome_label = fields.String()
    status = fields.Integer(allow_none=True, metadata={"description": "Statut HTTP de la réponse."})
    method = fields.String()
    path = fields.String()
    remote_addr = fields.String()
    reason = fields.String()
    detail = fields.String(metadata={"description": "Précisions techniques ; jamais le contenu d'un message."})


class AuditPageSchema(f.FrenchSchema):
    lines = fields.List(fields.Nested(AuditLineSchema))
    page = fields.Integer()
    per_page = fields.Integer()
    has_more = fields.Boolean()


class _Choice(f.FrenchSchema):
    value = fields.String()
    label = fields.String()


class AuditChoicesSchema(f.FrenchSchema):
    actions = fields.List(fields.Nested(_Choice))
    outcomes = fields.List(fields.Nested(_Choice))


class ConsultationSchema(f.FrenchSchema):
    at = fields.DateTime()
    account = fields.Nested(_Who, allow_none=True)
    acting_as = fields.Nested(_Identity, allow_none=True)
    exchange_id = fields.Integer()
    subject = fields.String(allow_none=True, metadata={"description": "Objet de l'échange (vide s'il a été purgé)."})
    channel = fields.String(metadata={"description": "Nom du canal."})
    channel_label = fields.String()
    via = fields.String(metadata={"description": "« page » (le fil), « api » (un programme), « attachment » (une "
                                                 "pièce jointe ouverte ou téléchargée) ou le nom d'une extension."})
    via_label = fields.String(metadata={"example": "Le fil, dans le navigateur"})
    target = fields.String(metadata={"description": "Ce qui a été consulté : « exchange:<id> » ou « attachment:<id> »."})


class PatientSummarySchema(f.FrenchSchema):
    id = fields.Integer()
    display_name = fields.String()
    birth_date = fields.Date()
    ins = fields.String(allow_none=True)


class ConsultationsSchema(f.FrenchSchema):
    patient = fields.Nested(PatientSummarySchema)
    consultations = fields.List(fields.Nested(ConsultationSchema))
    has_more = fields.Boolean()


class PatientLookupSchema(f.FrenchSchema):
    """The patient an administrator looks for: INS or number (a right-of-access request names them)."""

    q = f.Line(required=True, validate=[f.length(max_length=40), f.not_blank],
               metadata={"description": "INS (15 caractères) ou numéro du patient sur la plateforme."})

    class Meta:
        unknown = EXCLUDE


class PatientFoundSchema(f.FrenchSchema):
    patient = fields.Nested(PatientSummarySchema)


class _Export(f.FrenchSchema):
    filename = fields.String(metadata={"example": "donnees-patient-12-20261207.pdf"})
    content_type = fields.String(metadata={"example": "application/pdf"})
    size = fields.Integer(metadata={"description": "Taille du PDF en octets."})
    exchanges = fields.Integer(metadata={"description": "Échanges exportés."})
    messages = fields.Integer(metadata={"description": "Messages exportés."})
    pdf_base64 = fields.String(metadata={"description": "Le PDF, encodé en base64."})


class PatientExportSchema(f.FrenchSchema):
    export = fields.Nested(_Export)
