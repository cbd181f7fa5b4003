"""Hospital software: the connectors open to the account, pushing an attachment into one, and what became
of each push, with a retry (CONV-11, DPI-1, DOC-2)."""
from __future__ import annotations

from typing import Any

from flask import jsonify, request

from ..auth import api_login_required, current_account
from ..integration import TARGETS
from ..models import Attachment
from ..models.integration import FAILED, INTEGRATED, Integration
from ..schemas import shared
from ..schemas.integration import ConnectorSchema, IntegrateSchema
from ..services.integration import (DOCUMENT_GONE, NoConnector, NotRetryable, available_connectors,
                                    integrate_document, retry_integration, serialize)
from ..services.patients import known_patient
from .blueprint import api
from .attachments import can_read
from .errors import fail, json_body, not_found
from .exchanges import _load, visible_exchange


@api.get("/connectors")
@api_login_required
def list_connectors() -> Any:
    target = request.args.get("target") or None
    if target is not None and target not in TARGETS:
        fail(400, "Destination inconnue : logiciel, dossier_regional ou dmp.", "target")
    connectors = available_connectors(current_account(), target)
    return jsonify(connectors=shared(ConnectorSchema).dump(connectors, many=True))


@api.post("/attachments/<int:attachment_id>/integrate")
@api_login_required
def integrate(attachment_id: int) -> Any:
    account = current_account()
    attachment = _readable(attachment_id)
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
        row, receipts = integrate_document(attachment, patient, data["target"], account, exchange,
                                           data.get("destination"))
    except NoConnector as exc:
        fail(422, exc.message, "target")
    return _answer(row, receipts)


@api.get("/integrations")
@api_login_required
def list_integrations() -> Any:
    """The account's own pushes, newest first (others' are theirs), of one exchange's documents
    (``?exchange=``) or of one document (``?attachment=``): what a thread page shows under each file."""
    query = Integration.select().where(Integration.account == current_account().id)
    for name, column in (("exchange", Integration.exchange), ("attachment", Integration.attachment)):
        raw = request.args.get(name)
        if raw is not None:
            if not raw.isdigit() or len(raw) > 18:
                fail(400, "Un identifiant numérique est attendu.", name)
            query = query.where(column == int(raw))
    return jsonify(integrations=[serialize(r) for r in query.order_by(Integration.id.desc()).limit(500)])


@api.get("/integrations/<int:integration_id>")
@api_login_required
def show_integration(integration_id: int) -> Any:
    return jsonify(integration=serialize(_own(integration_id)))


@api.post("/integrations/<int:integration_id>/retry")
@api_login_required
def retry_push(integration_id: int) -> Any:
    account = current_account()
    row = _own(integration_id)
    attachment = Attachment.get_or_none(Attachment.id == row.attachment_id)
    if attachment is None:  # deleted since the push was read (its push goes with it)
        fail(409, DOCUMENT_GONE)
    if not can_read(attachment, account.id):
        not_found()
    try:
        receipts = retry_integration(row, account)
    except NotRetryable as exc:
        fail(409, exc.message)
    except NoConnector as exc:
        fail(422, exc.message, "target")
    return _answer(Integration.get_by_id(row.id), receipts)


def _readable(attachment_id: int) -> Attachment:
    attachment = Attachment.get_or_none(Attachment.id == attachment_id)
    if attachment is None or not can_read(attachment, current_account().id):
        not_found()
    return attachment


def _own(integration_id: int) -> Integration:
    # Only its author sees a push: 404 for anyone else, as for one that does not exist.
    row = Integration.get_or_none((Integration.id == integration_id) & (Integration.account == current_account().id))
    if row is None:
        not_found()
    return row


def _answer(row: Integration, receipts: list) -> Any:
    body = [{"connector": r.connector, "ok": r.ok, "message": r.message, "reference": r.reference} for r in receipts]
    status = {INTEGRATED: 200, FAILED: 502}.get(row.state, 202)  # 202: on its way, the outcome comes live
    return jsonify(receipts=body, integration=serialize(row)), status
