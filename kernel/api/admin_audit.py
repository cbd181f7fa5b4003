"""The audit trail for administrators: search, CSV export, who consulted a patient's exchanges, and the
patient-data export of a right-of-access request (PDF). Administrators only: 403 for anyone else."""
from __future__ import annotations

import base64
from functools import wraps
from typing import Any, Callable

from flask import Response, jsonify, request, stream_with_context
from marshmallow import ValidationError

from ..auth import api_login_required, current_account
from ..db import utcnow
from ..models import Patient
from ..relais import current_relais
from ..schemas.audit import (AuditChoicesSchema, AuditPageSchema, AuditQuerySchema, ConsultationsSchema,
                             PatientExportSchema, PatientFoundSchema, PatientLookupSchema, find_patient)
from ..services import audit_search
from ..services.consultations import consultations_of
from ..services.patient_export import export_patient
from ..services.pdf import PdfUnavailable
from ..services.sending import flatten_errors
from .blueprint import api
from .errors import ApiError, fail

ADMINS_ONLY = "Réservé aux administrateurs de la plateforme."


def admins_only(view: Callable) -> Callable:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_account().is_admin:
            fail(403, ADMINS_ONLY)
        return view(*args, **kwargs)
    return api_login_required(wrapper)


def _load(schema: Any, data: Any) -> Any:
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise ApiError(422, flatten_errors(exc.messages)) from None


def _patient(patient_id: int) -> Patient:
    patient = Patient.get_or_none(Patient.id == patient_id)
    if patient is None:
        fail(404, "Ce patient est introuvable.")
    return patient


@api.get("/admin/audit")
@admins_only
def audit_search_lines() -> Any:
    """Audit lines matching the filters, newest first, one page at a time."""
    asked = _load(AuditQuerySchema(), request.args)
    rows, has_more = audit_search.search(asked["filters"], asked["page"], asked["per_page"])
    return jsonify(AuditPageSchema().dump({"lines": rows, "page": asked["page"], "per_page": asked["per_page"],
                                           "has_more": has_more}))


@api.get("/admin/audit/choices")
@admins_only
def audit_choices() -> Any:
    """The actions and outcomes one may filter on, with their French labels."""
    def listed(labels: dict[str, str]) -> list[dict[str, str]]:
        return [{"value": value, "label": label} for value, label in labels.items()]
    return jsonify(AuditChoicesSchema().dump({"actions": listed(audit_search.known_actions()),
                                              "outcomes": listed(audit_search.known_outcomes())}))


@api.get("/admin/audit/export.csv")
@admins_only
def audit_export() -> Any:
    """The matching lines as a CSV file (UTF-8 with BOM, « ; »), newest first, at most 100 000 lines."""
    asked = _load(AuditQuerySchema(), request.args)
    account = current_account()
    # Which filters, never what they matched: the export itself is a line of the trail.
    used = ",".join(k for k in ("account", "acting_as", "exchange", "patient", "action", "outcome", "from", "to")
                    if request.args.get(k))
    current_relais().audit.record("audit.export", account_id=account.id, status=200, detail=f"filters={used}")
    stamp = utcnow().strftime("%Y%m%d-%H%M%S")
    return Response(stream_with_context(audit_search.export_csv(asked["filters"])), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="journal-audit-{stamp}.csv"',
                             "Cache-Control": "no-store"})


@api.get("/admin/patients/find")
@admins_only
def admin_find_patient() -> Any:
    """The patient a right-of-access request names, by INS or number (audited: an identity is personal data)."""
    asked = _load(PatientLookupSchema(), request.args)
    patient_id = find_patient(asked["q"])
    account = current_account()
    current_relais().audit.record("patient.find", account_id=account.id, target=f"patient:{patient_id or 0}",
                                  outcome="ok" if patient_id else "refused", status=200 if patient_id else 404)
    if patient_id is None:
        fail(404, "Aucun patient n'a cet INS ni ce numéro.", "q")
    return jsonify(PatientFoundSchema().dump({"patient": _patient(patient_id)}))


@api.get("/admin/patients/<int:patient_id>/consultations")
@admins_only
def patient_consultations(patient_id: int) -> Any:
    """Who opened the patient's exchanges (« Qui a consulté ? »): when, acting for whom, which exchange."""
    patient = _patient(patient_id)
    offset = request.args.get("offset", "0")
    if not (offset.isascii() and offset.isdigit() and int(offset) <= 1_000_000):
        fail(422, "Saisissez un nombre entier positif.", "offset")
    rows, has_more = consultations_of(patient.id, offset=int(offset))
    return jsonify(ConsultationsSchema().dump({"patient": patient, "consultations": rows, "has_more": has_more}))


@api.post("/admin/patients/<int:patient_id>/export")
@admins_only
def patient_export(patient_id: int) -> Any:
    """Every exchange about the patient as one PDF (right of access), audited ``patient.export``. The PDF comes
    inside the JSON answer (base64), like every answer of the API, errors included."""
    patient = _patient(patient_id)
    try:
        pdf, counts = export_patient(patient, current_account())
    except PdfUnavailable as exc:
        fail(503, str(exc))
    filename = f"donnees-patient-{patient.id}-{utcnow():%Y%m%d}.pdf"
    response = jsonify(PatientExportSchema().dump({"export": {
        "filename": filename, "content_type": "application/pdf", "size": len(pdf), **counts,
        "pdf_base64": base64.b64encode(pdf).decode("ascii")}}))
    response.headers["Cache-Control"] = "no-store"
    return response


# (path, method, summary, request schema, response schema, success status): described by kernel/api/openapi.py
OPENAPI_ROUTES: list[tuple[str, str, str, Any, Any, int]] = [
    ("/admin/audit", "get", "Rechercher dans le journal d'audit (administrateurs ; filtres : account, acting_as, "
     "exchange, patient, action, outcome, from, to ; page, per_page), du plus récent au plus ancien", None,
     AuditPageSchema, 200),
    ("/admin/audit/choices", "get", "Actions et résultats proposés comme filtres du journal d'audit", None,
     AuditChoicesSchema, 200),
    ("/admin/audit/export.csv", "get", "Exporter les lignes du journal d'audit en CSV (UTF-8 avec BOM, « ; », "
     "mêmes filtres que la recherche, 100 000 lignes au plus)", None, None, 200),
    ("/admin/patients/find", "get", "Retrouver un patient par son INS ou son numéro (demande d'accès ; tracé)",
     None, PatientFoundSchema, 200),
    ("/admin/patients/{id}/consultations", "get", "Qui a consulté les échanges d'un patient", None,
     ConsultationsSchema, 200),
    ("/admin/patients/{id}/export", "post", "Exporter en PDF tous les échanges d'un patient (droit d'accès ; "
     "tracé patient.export) ; le PDF est dans la réponse, en base64", None, PatientExportSchema, 200),
]
