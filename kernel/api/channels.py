"""Channels: the "+" send panel, a channel's single screen, and starting an exchange."""
from __future__ import annotations

from typing import Any

from flask import jsonify, request

from ..auth import api_login_required, current_account
from ..channel import GROUPS
from ..forms import gather_fields
from ..relais import current_relais
from ..schemas.exchange import ChannelSchema
from ..schemas.french import plain_number
from ..services import idempotency
from ..services.patients import known_patient
from ..services.sending import CheckedSend
from ..services.threads import summary, members_of
from .blueprint import api
from .errors import fail


def ordered_channels() -> list[Any]:
    channels = current_relais().channels.values()
    return sorted(channels, key=lambda c: (GROUPS.index(c.group), c.order, c.label))


@api.get("/channels")
@api_login_required
def list_channels() -> Any:
    channels = ordered_channels()
    return jsonify(channels=ChannelSchema(many=True).dump(channels),
                   groups=[{"name": g, "channels": [c.name for c in channels if c.group == g]}
                           for g in GROUPS if any(c.group == g for c in channels)])


@api.get("/channels/<name>/form")
@api_login_required
def channel_form(name: str) -> Any:
    relais = current_relais()
    channel = relais.channels.get(name)
    if channel is None:
        fail(404, "Ce canal d'envoi n'existe pas ou n'est pas activé.", "channel")
    patient = None
    wanted = plain_number(request.args.get("patient"))
    if wanted is not None:  # anything else names no patient
        # A patient outside the account's care gives no default, exactly as an unknown id.
        patient = known_patient(current_account().id, wanted)
    fields = gather_fields(relais.pm, name, current_account(), patient)
    return jsonify(channel=ChannelSchema().dump(channel), fields=[f.as_json() for f in fields])


@api.post("/channels/<name>/exchanges")
@api_login_required
def start_exchange(name: str) -> Any:
    from .errors import json_body

    relais = current_relais()
    account = current_account()

    def store(checked: CheckedSend) -> idempotency.Answer:
        # No savepoint of its own: idempotency.once's transaction ends with any failure of the send.
        exchange, message = relais.sender.store_exchange(checked, savepoint=False)
        body = summary(exchange, 0, members_of([exchange.id]).get(exchange.id, []))
        return ({"exchange": body, "message": relais.serialize_message(message) if message else None}, 201,
                {"Location": f"/api/v1/exchanges/{exchange.id}"})

    # A retried send (offline outbox, lost answer) with the same Idempotency-Key is stored once.
    return idempotency.once(account.id, lambda: relais.sender.check_exchange(name, account, json_body()), store)
