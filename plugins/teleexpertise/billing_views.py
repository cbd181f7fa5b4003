"""Billing's routes (TE-8): the acts as JSON and CSV (/teleexpertise/billing/acts[.csv]), the yearly-limit
warning of the request screen (/teleexpertise/billing/limit) and the page « Facturation téléexpertise »."""
from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, jsonify, render_template, request
from marshmallow import ValidationError

from kernel import api_login_required, current_account, flatten_errors, identities_for, known_patient
from kernel.models import STRUCTURE

from .billing import limit_warning, paris_today, yearly_limit
from .billing_export import act_rows, acts_csv, visible_acts
from .billing_schemas import ActsQuerySchema, LimitQuerySchema

PAGE = "teleexpertise.billing"  # the page's name for page_assets


def _query(args: dict[str, str]) -> dict[str, Any]:
    return ActsQuerySchema().load({k: v for k, v in args.items() if v != ""})


def _month(today: dt.date) -> tuple[dt.date, dt.date]:
    start = today.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    return start, end


def make_blueprint() -> Blueprint:
    bp = Blueprint("teleexpertise_billing", __name__, url_prefix="/teleexpertise")

    @bp.get("/billing/acts")
    @api_login_required
    def acts() -> Any:
        """The acts of the period the caller may see, filterable by professional and structure (identity ids)."""
        try:
            query = _query(request.args.to_dict())
        except ValidationError as exc:
            return jsonify(errors=flatten_errors(exc.messages)), 422
        rows = act_rows(visible_acts(current_account(), query["start"], query["end"], query["professional"],
                                     query["structure"]))
        return jsonify(acts=rows, count=len(rows),
                       period={"du": query["start"].isoformat(), "au": query["end"].isoformat()})

    @bp.get("/billing/acts.csv")
    @api_login_required
    def acts_file() -> Any:
        try:
            query = _query(request.args.to_dict())
        except ValidationError as exc:
            return jsonify(errors=flatten_errors(exc.messages)), 422
        rows = act_rows(visible_acts(current_account(), query["start"], query["end"], query["professional"],
                                     query["structure"]))
        name = f"actes-teleexpertise-{query['start']:%Y%m%d}-{query['end']:%Y%m%d}.csv"
        return Response(acts_csv(rows), mimetype="text/csv", headers={
            "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff"})

    @bp.get("/billing/limit")
    @api_login_required
    def limit() -> Any:
        """The request screen's warning (a ``suggestions`` field watching the expert and the patient)."""
        try:
            query = LimitQuerySchema().load(request.args.to_dict())
        except ValidationError as exc:
            return jsonify(errors=flatten_errors(exc.messages)), 422
        # ``expert`` is what the screen's expert field holds: the expert's identity (a person or a department).
        # Only about a patient in the caller's care: else the answer would tell anyone how often any patient
        # was seen by an expert.
        text = ""
        if query["expert"] and query["patient"] and known_patient(current_account().id, query["patient"]):
            text = limit_warning(query["patient"], query["expert"])
        items = [{"label": "Limite annuelle atteinte", "detail": text}] if text else []
        return jsonify(title="Facturation de la téléexpertise", items=items, count=len(items),
                       limit=yearly_limit())

    @bp.get("/facturation")
    def billing_page() -> Any:
        account = current_account()
        if account is None:
            abort(401)
        start, end = _month(paris_today())
        args = {"du": start.isoformat(), "au": end.isoformat(), **{k: v for k, v in request.args.items() if v}}
        errors: dict[str, Any] = {}
        rows: list[dict[str, Any]] = []
        try:
            query = _query(args)
            rows = act_rows(visible_acts(account, query["start"], query["end"], query["professional"],
                                         query["structure"]))
        except ValidationError as exc:
            errors = flatten_errors(exc.messages)
        structures = [i for i in identities_for(account) if i.kind == STRUCTURE]
        return render_template("teleexpertise/billing.html", page=PAGE, rows=rows, args=args,
                               errors=errors, structures=structures, csv_query=urlencode(args),
                               limit=yearly_limit())

    return bp
