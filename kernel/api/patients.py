"""Patients: search and creation of structured identities attached to exchanges."""
from __future__ import annotations

from typing import Any

from flask import jsonify, request
from marshmallow import ValidationError

from ..auth import api_login_required, current_account
from ..models import Patient
from ..relais import current_relais
from ..schemas.patient import PatientCreateSchema, PatientSchema
from ..services.sending import SendRejected, flatten_errors
from . import api
from .errors import json_body


@api.get("/patients")
@api_login_required
def search_patients() -> Any:
    q = request.args.get("q", "").strip()
    query = Patient.select()
    for word in q.split():
        pattern = f"%{word}%"
        query = query.where(Patient.birth_name ** pattern | Patient.used_name ** pattern
                            | Patient.first_names ** pattern | (Patient.ins == word))
    rows = list(query.order_by(Patient.birth_name, Patient.first_names).limit(20))
    return jsonify(patients=PatientSchema(many=True).dump(rows))


@api.post("/patients")
@api_login_required
def create_patient() -> Any:
    data = json_body()
    if not isinstance(data, dict):
        raise SendRejected({"_schema": ["Un objet JSON est attendu."]}, status=400)
    try:
        fields = PatientCreateSchema().load(data)
    except ValidationError as exc:
        raise SendRejected(flatten_errors(exc.messages)) from None
    patient = Patient.create(created_by=current_account(), **fields)
    current_relais().audit.record("patient.create", account_id=current_account().id,
                                  target=f"patient:{patient.id}", status=201)
    return jsonify(patient=PatientSchema().dump(patient)), 201
