"""Finalisation's JSON routes (/teleexpertise/exchanges/<id>/...): what the thread's finalisation panel needs,
« Générer », and retrying a failed generation. A non-member is told the exchange does not exist (404)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from marshmallow import ValidationError

from kernel import api_login_required, can_see, consults_exchange, current_account, flatten_errors, iso_utc
from kernel.models import Attachment

from .billing import act_label, limit_warning, paris_today, planned_acts
from .finalisation import (EXPERT_ONLY, FINALISABLE, NO_RPPS, FinalisationRefused, expert_billing_number, expert_side,
                           missing_rpps, reports_of, retry, start)
from .finalisation_models import Act, Report
from .finalisation_schemas import FinaliseSchema
from .models import FINALISEE, Request

NOT_FOUND = "Introuvable, ou vous n'y avez pas accès."


def _not_found() -> Any:
    return jsonify(errors={"_schema": [NOT_FOUND]}), 404


def _request_of(exchange_id: int) -> Request | None:
    """The exchange's téléexpertise, if the current account is one of its members (or acts for one)."""
    if not can_see(current_account().id, exchange_id):
        return None
    return Request.get_or_none(Request.exchange == exchange_id)


def report_json(report: Report, files: dict[int, Attachment]) -> dict[str, Any]:
    attachment = files.get(report.attachment_id) if report.attachment_id else None
    return {"id": report.id, "version": report.version, "state": report.state, "error": report.error,
            "created_at": iso_utc(report.created_at), "done_at": iso_utc(report.done_at) if report.done_at else None,
            "message_id": report.message_id,
            "attachment": {"id": attachment.id, "filename": attachment.filename,
                           "url": f"/api/v1/attachments/{attachment.id}"} if attachment else None}


def reports_json(reports: list[Report]) -> list[dict[str, Any]]:
    ids = [r.attachment_id for r in reports if r.attachment_id]
    files = {a.id: a for a in Attachment.select().where(Attachment.id.in_(ids))} if ids else {}
    return [report_json(r, files) for r in reports]


def acts_preview(found: Request, account: Any) -> list[dict[str, Any]]:
    """The acts the finalisation writes (or wrote): what the expert confirms before « Générer »."""
    written = list(Act.select().where(Act.request == found.id).order_by(Act.code))
    acts = written or planned_acts(found, account, "", paris_today())
    return [{"code": a.code, "label": act_label(a.code), "professional": a.account.full_name if a.account_id else "",
             "billing_number": a.billing_number, "structure": a.structure, "written": bool(written)} for a in acts]


def _warning(found: Any, account: Any) -> str:
    """What the finalisation form warns of: an account that cannot be billed first, then the yearly limit."""
    if missing_rpps(found, account):
        return NO_RPPS
    return limit_warning(found.patient_id, found.expert_identity_id, excluding_request=found.id)


def _refused(exc: FinalisationRefused) -> Any:
    return jsonify(errors=exc.errors), exc.status


def make_blueprint() -> Blueprint:
    bp = Blueprint("teleexpertise_finalisation", __name__, url_prefix="/teleexpertise")

    @bp.get("/exchanges/<int:exchange_id>/finalisation")
    @api_login_required
    @consults_exchange("teleexpertise_report", "Le compte rendu de la téléexpertise")
    def finalisation_state(exchange_id: int) -> Any:
        """What the finalisation panel shows: may I finalise, the prefilled facts, every version so far."""
        found = _request_of(exchange_id)
        if found is None:
            return _not_found()
        account = current_account()
        mine = expert_side(found, account)
        return jsonify(
            acts=acts_preview(found, account) if mine else [],
            request={"id": found.id, "status": found.status, "status_label": found.status_label},
            can_finalise=mine and found.status in (*FINALISABLE, FINALISEE),
            billing_number=expert_billing_number(found, account) if mine else "",
            conclusion=found.conclusion if mine else "", incident=found.incident if mine else "",
            warning=_warning(found, account) if mine and found.status != FINALISEE else "",
            reports=reports_json(reports_of(found.id)))

    @bp.post("/exchanges/<int:exchange_id>/finalisation")
    @api_login_required
    def finalise(exchange_id: int) -> Any:
        """« Générer »: a new version of the compte rendu, rendered by a job (202; the live event
        ``teleexpertise.report`` says when it is ready)."""
        found = _request_of(exchange_id)
        if found is None:
            return _not_found()
        if not expert_side(found, current_account()):  # said before any check of what was sent
            return _refused(FinalisationRefused(403, {"_schema": [EXPERT_ONLY]}))
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return jsonify(errors={"_schema": ["Un objet JSON est attendu."]}), 400
        try:
            payload = FinaliseSchema().load(body)
        except ValidationError as exc:
            return jsonify(errors=flatten_errors(exc.messages)), 422
        try:
            report = start(found, current_account(), payload)
        except FinalisationRefused as exc:
            return _refused(exc)
        return jsonify(report=report_json(report, {})), 202

    @bp.post("/exchanges/<int:exchange_id>/reports/<int:report_id>/retry")
    @api_login_required
    def retry_report(exchange_id: int, report_id: int) -> Any:
        found = _request_of(exchange_id)
        report = Report.get_or_none((Report.id == report_id) & (Report.request == found.id)) if found else None
        if report is None:
            return _not_found()
        try:
            report = retry(report, current_account())
        except FinalisationRefused as exc:
            return _refused(exc)
        return jsonify(report=report_json(report, {})), 202

    return bp
