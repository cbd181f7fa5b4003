"""Patients: the picker's search and recent list, the reach by full traits, one identity, and the creation
of an identity. Who sees which patient: docs/security.md, "Who sees a patient"."""
from __future__ import annotations

from typing import Any

from flask import jsonify, request
from marshmallow import ValidationError

from ..auth import api_login_required, current_account
from ..relais import current_relais
from ..schemas.patient import PatientCreateSchema, PatientEnvelopeSchema, PatientListSchema, PatientTraitsSchema
from ..services import patients as service
from ..services.patient_activity import activity
from ..services.sending import flatten_errors
from .blueprint import api
from .errors import ApiError, fail, json_body

DEFAULT_LIMIT, MAX_LIMIT = 20, 50


def _limit() -> int:
    raw = request.args.get("limit", "").strip()
    if not raw:
        return DEFAULT_LIMIT
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        fail(422, f"Saisissez un nombre entier de 1 à {MAX_LIMIT}.", "limit")
    return int(raw)


@api.get("/patients")
@api_login_required
def search_patients() -> Any:
    """Empty ``q``: the account's recent patients (``recent: true``); otherwise the matches in the account's
    care, recent first (a full INS in ``q`` reaches any patient). The four identity traits (``birth_name``,
    ``first_names``, ``birth_date``, ``sex``) instead of ``q``: every patient with exactly those traits.
    With ``activity=1`` (« Mes patients ») each patient also carries ``exchange_count`` and ``unread_count``,
    what the account shares about them (two queries for the whole list), and an empty ``q`` lists every
    patient in the account's care, the recent ones first, then by name."""
    q = request.args.get("q", "").strip()
    limit = _limit()
    account = current_account()
    with_activity = request.args.get("activity") == "1"
    if any(name in request.args for name in PatientTraitsSchema().fields):
        try:
            traits = PatientTraitsSchema().load({k: v for k, v in request.args.items()
                                                 if k not in ("q", "limit", "activity")})
        except ValidationError as exc:
            raise ApiError(422, flatten_errors(exc.messages)) from None
        rows, is_recent = service.search_by_traits(account, limit=limit, **traits), False
    elif q and not service.parse_query(q).empty:
        rows, is_recent = service.search(account, q, limit), False
    elif with_activity:  # « Mes patients », nothing typed: every patient in care, the recent ones first
        rows, is_recent = service.search(account, "", limit), True
    else:
        rows, is_recent = service.recent(account, limit), True
    if with_activity:  # what the account shares about each, in two queries for the whole list
        shared = activity(account.id, [patient.id for patient in rows])
        for patient in rows:
            patient.exchange_count, patient.unread_count = shared[patient.id]
    return jsonify(PatientListSchema().dump({"patients": rows, "recent": is_recent}))


@api.get("/patients/<int:patient_id>")
@api_login_required
def get_patient(patient_id: int) -> Any:
    patient = service.get_for(current_account(), patient_id)
    if patient is None:
        fail(404, "Ce patient est introuvable.")
    return jsonify(PatientEnvelopeSchema().dump({"patient": patient}))


@api.post("/patients")
@api_login_required
def create_patient() -> Any:
    data = json_body()
    if not isinstance(data, dict):
        fail(400, "Un objet JSON est attendu.")
    try:
        fields = PatientCreateSchema().load(data)
        patient, created = service.create_patient(current_account(), fields)
    except ValidationError as exc:
        raise ApiError(422, flatten_errors(exc.messages)) from None
    except service.IdentityRejected as exc:
        raise ApiError(422, exc.errors) from None
    if not created:  # this INS with exactly these traits: the identity already registered (reached by INS)
        return jsonify(PatientEnvelopeSchema().dump({"patient": patient})), 200
    current_relais().audit.record("patient.create", account_id=current_account().id,
                                  target=f"patient:{patient.id}", status=201)
    return jsonify(PatientEnvelopeSchema().dump({"patient": patient})), 201
