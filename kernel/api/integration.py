"""Hospital software: the enabled connectors, and pushing an attachment into one (CONV-11, DPI-1)."""
from __future__ import annotations

from typing import Any

from flask import jsonify

from ..auth import api_login_required, current_account
from ..models import Attachment
from ..relais import current_relais
from ..schemas.integration import IntegrateSchema
from ..services.integration import NoConnector, integrate_document
from ..services.patients import known_patient
from .blueprint import api
from .attachments import can_read
from .errors import fail, json_body, not_found
from .exchanges import _load, visible_exchange


@api.get("/connectors")
@api_login_required
def list_connectors() -> Any:
    connectors = sorted(current_relais().connectors.values(), key=lambda c: c.label)
    return jsonify(connectors=[{"name": c.name, "label": c.label} for c in connectors])


@api.post("/attachments/<int:attachment_id>/integrate")
@api_login_required
def integrate(attachment_id: int) -> Any:
    account = current_account()
    attachment = Attachment.get_or_none(Attachment.id == attachment_id)
    if attachment is None or not can_read(attachment, account.id):
        not_found()
    data = _load(IntegrateSchema(), json_body())
    patient = None
    if data.get("patient") is not None:
        patient = known_patient(account.id, data["patient"])  # outside one's care: not found
        if patient is None:
            fail(422, "Ce patient est introuvable.", "patient")
    exchange = None
    if data.get("exchange") is not None:
        exchange = visible_exchange(data["exchange"])
    try:
        receipts = integrate_document(attachment, patient, data["target"], account, exchange)
    except NoConnector as exc:
        fail(422, exc.message, "target")
    body = [{"connector": r.connector, "ok": r.ok, "message": r.message, "reference": r.reference} for r in receipts]
    return jsonify(receipts=body), 200 if body and all(r["ok"] for r in body) else 502
