"""Téléexpertise's routes, under /teleexpertise: expert profiles and search, the request screen's questions,
requests and their statuses, and the two pages (« Mon profil d'expert », « Téléexpertises »).

JSON answers follow the kernel's: ``{"errors": {field: [French message]}}`` with a 4xx status. A request's
routes answer 404 to whoever does not see its exchange, as the kernel's exchange routes do.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, render_template, request
from marshmallow import ValidationError

from kernel import api_login_required, can_see, consults_exchange, current_account, flatten_errors
from kernel import schemas as f

from . import experts, queue, request_form, statuses
from .models import STATUS_LABELS, STATUSES, Expert, Request
from .request_thread import request_json
from .schemas import ExpertProfileSchema, StatusChangeSchema
from .sides import identity_ids

blueprint = Blueprint("teleexpertise", __name__, url_prefix="/teleexpertise")
PROFILE_PAGE, QUEUE_PAGE = "teleexpertise.profile", "teleexpertise.queue"
NOT_FOUND = "Cette téléexpertise est introuvable, ou vous n'y avez pas accès."


def _errors(errors: dict[str, Any], status: int) -> Any:
    response = jsonify(errors={k: v if isinstance(v, list) else [v] for k, v in errors.items()})
    response.status_code = status
    return response


def _load(schema: Any) -> dict[str, Any]:
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        abort(_errors({"_schema": "Un objet JSON est attendu."}, 400))
    try:
        return schema.load(payload)
    except ValidationError as exc:
        abort(_errors(flatten_errors(_flat_nested(exc.messages)), 422))


def _flat_nested(messages: Any) -> Any:
    """{"form": {0: {"label": [...]}}} -> {"form.0.label": [...]}: each question's error at its own input."""
    if not isinstance(messages, dict):
        return messages
    out: dict[str, Any] = {}
    for key, value in messages.items():
        if isinstance(value, dict):
            for sub, inner in _flat_nested(value).items():
                out[f"{key}.{sub}"] = inner
        else:
            out[str(key)] = value
    return out


def _int_arg(name: str, default: int, maximum: int) -> int:
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    value = f.plain_number(raw)
    if value is None:
        abort(_errors({name: "Nombre entier attendu."}, 400))
    return min(value, maximum)


# --- pages ---------------------------------------------------------------------------------------

@blueprint.get("/profil")
def profile_page() -> Any:
    if current_account() is None:
        abort(401)
    return render_template("teleexpertise/profile.html", page=PROFILE_PAGE)


@blueprint.get("/demandes")
def queue_page() -> Any:
    if current_account() is None:
        abort(401)
    return render_template("teleexpertise/queue.html", page=QUEUE_PAGE, statuses=STATUS_LABELS)


# --- experts -------------------------------------------------------------------------------------

@blueprint.get("/api/profils")
@api_login_required
def profiles() -> Any:
    """The profiles the account may edit: its own identity's and those of the identities it acts for."""
    account = current_account()
    mine = experts.editable_identities(account)
    found = {e.identity_id: e for e in Expert.select().where(Expert.identity.in_([i.id for i in mine]))}
    facts = experts.facts_by_identity([i.id for i in mine])
    return jsonify(profiles=[{
        "identity": {"id": i.id, "display_name": i.display_name, "kind": i.kind},
        "expert": experts.profile_json(found[i.id], i, facts.get(i.id, experts.Facts()), editable=True)
        if i.id in found else None,
    } for i in mine])


@blueprint.put("/api/profils/<int:identity_id>")
@api_login_required
def save_profile(identity_id: int) -> Any:
    data = _load(ExpertProfileSchema())
    try:
        expert = experts.save_profile(current_account(), identity_id, data)
    except experts.ProfileRefused as exc:
        return _errors(exc.errors, exc.status)
    return jsonify(expert=experts.profile_json(expert, editable=True))


@blueprint.get("/experts")
@api_login_required
def search_experts() -> Any:
    """The experts, shaped like GET /api/v1/directory (the request screen's picker reads both)."""
    group = request.args.get("group", "")
    if group not in ("", "professionals", "services"):
        return _errors({"group": "Groupe inconnu : professionals ou services."}, 400)
    found = experts.search(request.args.get("q", "")[:200], request.args.get("where", "")[:200], group,
                           _int_arg("limit", experts.FIRST_PAGE, experts.MAX_PAGE), _int_arg("offset", 0, 10_000),
                           exclude=identity_ids(current_account()))
    return jsonify(found)


@blueprint.get("/experts/<int:expert_id>")
@api_login_required
def expert_profile(expert_id: int) -> Any:
    expert = Expert.get_or_none(Expert.id == expert_id)
    if expert is None:
        return _errors({"_schema": "Cet expert est introuvable."}, 404)
    # Anyone signed in reads a profile; its billing number only who may edit it (GET /api/profils).
    editable = expert.identity_id in {i.id for i in experts.editable_identities(current_account())}
    return jsonify(expert=experts.profile_json(expert, editable=editable))


@blueprint.get("/ecran/questions")
@api_login_required
def screen_questions() -> Any:
    """The request screen's "answers" fieldset once an expert is chosen: prerequisites and questions."""
    identity_id = f.plain_number(request.args.get("expert"))
    expert = experts.expert_for_identity(identity_id)
    if expert is None:
        return jsonify(title="Ce que demande l'expert", notice=None, fields=[])
    notice = None
    if not expert.accepting:
        notice = {"title": "Cet expert ne prend pas de demandes pour le moment.",
                  "text": experts.availability_note(expert), "level": "warning"}
    elif expert.prerequisites:
        notice = {"title": "Prérequis de l'expert", "text": expert.prerequisites, "level": "info"}
    return jsonify(title=f"Ce que demande {expert.identity.display_name}", notice=notice,
                   fields=request_form.question_fields(expert) if expert.accepting else [])


# --- requests ------------------------------------------------------------------------------------

@blueprint.get("/api/demandes")
@api_login_required
def list_requests() -> Any:
    role = request.args.get("role", "expert")
    if role not in queue.ROLES:
        return _errors({"role": "Choisissez expert, requester ou all."}, 400)
    wanted = [s for s in request.args.get("status", "").split(",") if s]
    if any(s not in STATUSES for s in wanted):
        return _errors({"status": "Statut inconnu."}, 400)
    rows, total = queue.requests_for(current_account(), role, wanted, _int_arg("limit", 50, 200),
                                     _int_arg("offset", 0, 100_000))
    return jsonify(requests=rows, total=total, counts=queue.counts(current_account()))


@blueprint.get("/api/demandes/a-traiter")
@api_login_required
def to_handle_count() -> Any:
    return jsonify(count=queue.to_handle(current_account()))


def _visible_request(exchange_id: int) -> Request:
    account = current_account()
    found = Request.get_or_none(Request.exchange == exchange_id) if can_see(account.id, exchange_id) else None
    if found is None:
        abort(_errors({"_schema": NOT_FOUND}, 404))
    return found


@blueprint.get("/api/echanges/<int:exchange_id>/demande")
@api_login_required
@consults_exchange("teleexpertise", "Le panneau de la téléexpertise")
def request_detail(exchange_id: int) -> Any:
    found = _visible_request(exchange_id)
    return jsonify(request=request_json(found, current_account()))


@blueprint.post("/api/echanges/<int:exchange_id>/statut/<status>")
@api_login_required
def change_status(exchange_id: int, status: str) -> Any:
    found = _visible_request(exchange_id)
    data = _load(StatusChangeSchema())
    if status == statuses.FINALISEE:
        return _errors({"status": "Une téléexpertise se finalise depuis son bandeau de finalisation."}, 409)
    try:
        changed = statuses.change(found, status, current_account(), data.get("reason", ""))
    except statuses.StatusRefused as exc:
        return _errors({exc.field: exc.message}, exc.status)
    return jsonify(request=request_json(changed, current_account()))
