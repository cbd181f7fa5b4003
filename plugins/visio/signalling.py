"""WebRTC signalling over the platform's live socket: a page in a call sends its offer or answer up ``WS /ws``
(``socket_message``); it is published as a ``visio.signal`` event for the target page's account alone, so it
reaches that page on whichever instance holds its socket (the event bus), and no one else."""
from __future__ import annotations

from typing import Any

from marshmallow import ValidationError

from kernel import Event, audience, can_see, flatten_errors, publish_on_commit
from kernel.models import Account

from . import events
from .models import JOINED, VisioCall, VisioParticipant
from .schemas import SocketSignalSchema

SIGNAL = "visio.signal"
REFUSED = "visio.signal_refused"


def _refused(message: dict[str, Any], reason: str, errors: dict[str, Any] | None = None) -> dict[str, Any]:
    call, to = message.get("call"), message.get("to")
    return {"type": REFUSED, "call": call if isinstance(call, int) else None,
            "to": to if isinstance(to, str) else None, "reason": reason, "errors": errors or {}}


def relay_signal(account: Account, message: dict[str, Any]) -> dict[str, Any] | bool:
    """Check that the sender's page and the target page are both in the ongoing call, and that the sender
    still sees the exchange; then publish the description to the target's account only."""
    try:
        signal = SocketSignalSchema().load(message)
    except ValidationError as exc:
        return _refused(message, "Message de signalisation invalide.", flatten_errors(exc.messages))
    pages = {row.peer: row for row in VisioParticipant.select(VisioParticipant, VisioCall).join(VisioCall).where(
        (VisioCall.id == signal["call"]) & VisioCall.ended_at.is_null() & (VisioParticipant.state == JOINED)
        & VisioParticipant.peer.in_([signal["from_"], signal["to"]]))}
    sender, target = pages.get(signal["from_"]), pages.get(signal["to"])
    if sender is None or sender.account_id != account.id:
        return _refused(message, "Vous n'êtes pas dans cette visio : rejoignez-la d'abord.")
    if target is None or target.peer == sender.peer:
        return _refused(message, "Ce participant a quitté la visio.")
    exchange_id = sender.call.exchange_id
    if not can_see(account.id, exchange_id) or target.account_id not in audience(exchange_id):
        return _refused(message, "Vous n'avez plus accès à cet échange.")
    publish_on_commit(Event.for_exchange(events.SIGNAL.name, exchange_id, {
        "call": signal["call"], "from": signal["from_"], "to": signal["to"], "signal": signal["signal"]},
        recipients=[target.account_id]))
    return True
