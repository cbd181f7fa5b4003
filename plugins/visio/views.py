"""The visio plugin's routes: the call page of an exchange, and the JSON routes its pages call (join, leave,
presence, decline, the calls ringing for the account)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, render_template, request
from marshmallow import ValidationError

from kernel import api_login_required, can_see, current_account, current_relais, flatten_errors
from kernel.models import CHAT, Exchange

from . import calls
from .ice import ice_servers
from .models import VisioCall
from .schemas import PeerSchema
from .settings import visio_settings

blueprint = Blueprint("visio", __name__, url_prefix="/visio")
NOT_FOUND = "Introuvable, ou vous n'y avez pas accès."


def _error(status: int, message: str, field: str = "_schema") -> Any:
    return jsonify(errors={field: [message]}), status


def chat_exchange(exchange_id: int) -> Exchange | None:
    """The exchange if the account may see it and it lives in the chat space (conversations, téléexpertises)."""
    if not can_see(current_account().id, exchange_id):
        return None
    return Exchange.get_or_none((Exchange.id == exchange_id) & (Exchange.space == CHAT))


def _visible_call(call_id: int) -> VisioCall | None:
    call = VisioCall.get_or_none(VisioCall.id == call_id)
    if call is None or not can_see(current_account().id, call.exchange_id):
        return None
    return call


def _audit(action: str, exchange_id: int, call: VisioCall) -> None:
    # Who took part in which call, when: the audit trail of a health platform (never what was said or shown).
    current_relais().audit.record(action, account_id=current_account().id, target=f"exchange:{exchange_id}",
                                  detail=f"call {call.id} ({call.provider})")


def _peer() -> str | None:
    try:
        return PeerSchema().load(request.get_json(silent=True) if request.content_length else {})["peer"]
    except ValidationError as exc:
        abort(_error_response(flatten_errors(exc.messages)))
    return None


def _error_response(errors: dict[str, Any]) -> Any:
    response = jsonify(errors=errors)
    response.status_code = 422
    return response


@blueprint.get("/echanges/<int:exchange_id>")
def call_page(exchange_id: int) -> Any:
    account = current_account()
    if account is None:
        abort(401)
    exchange = chat_exchange(exchange_id)
    if exchange is None:
        return render_template("404.html", title="Visio introuvable", message=NOT_FOUND), 404
    return render_template("visio/call.html", page="visio.call", exchange=exchange)


@blueprint.post("/api/echanges/<int:exchange_id>/rejoindre")
@api_login_required
def join(exchange_id: int) -> Any:
    """Join the exchange's ongoing call, or start one: the page's id, who is already there, how to connect."""
    account = current_account()
    exchange = chat_exchange(exchange_id)
    if exchange is None:
        return _error(404, NOT_FOUND)
    settings = visio_settings()
    try:
        call, me, others = calls.join(exchange, account)
    except calls.CallFull:
        return _error(409, f"La visio réunit déjà {settings.max_participants} participants, le maximum : "
                           "attendez qu'une place se libère.")
    _audit("visio.join", exchange.id, call)
    room = current_relais().pm.hook.video_room(exchange=exchange, call_key=call.key, account=account) \
        if call.provider != calls.BUILT_IN else None
    return jsonify(call=calls.call_json(call, exchange, call.started_by if call.started_by_id else None),
                   peer=me.peer, me=calls.person(account),
                   peers=[{"peer": p.peer, "account": calls.person(p.account)} for p in others],
                   ice_servers=ice_servers(settings, account.id),
                   room={"provider": room.provider, "url": room.url, "label": room.label} if room else None,
                   heartbeat_seconds=settings.heartbeat_seconds), 201


@blueprint.post("/api/appels/<int:call_id>/quitter")
@api_login_required
def leave(call_id: int) -> Any:
    call = _visible_call(call_id)
    if call is None:
        return _error(404, NOT_FOUND)
    peer = _peer()
    if calls.leave(call, peer, current_account()):
        _audit("visio.leave", call.exchange_id, call)
    return jsonify(left=True)


@blueprint.post("/api/appels/<int:call_id>/presence")
@api_login_required
def heartbeat(call_id: int) -> Any:
    call = _visible_call(call_id)
    if call is None:
        return _error(404, NOT_FOUND)
    if not calls.heartbeat(call, _peer(), current_account()):
        return _error(409, "Vous n'êtes plus dans cette visio : rejoignez-la de nouveau.")
    return jsonify(present=True)


@blueprint.post("/api/appels/<int:call_id>/refuser")
@api_login_required
def decline(call_id: int) -> Any:
    call = _visible_call(call_id)
    if call is None:
        return _error(404, NOT_FOUND)
    if call.ended_at is not None:
        return _error(409, "Cette visio est déjà terminée.")
    calls.decline(call, current_account())
    _audit("visio.decline", call.exchange_id, call)
    return jsonify(declined=True)


@blueprint.get("/api/appels")
@api_login_required
def ringing() -> Any:
    """The ongoing calls the account is invited to and has not answered (the banner of every page)."""
    return jsonify(calls=calls.ringing_calls(current_account()))
