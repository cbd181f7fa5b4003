"""A call's life: joined (started by the first), left, declined, ended when nobody is left; the thread keeps
a system line of each call (who started it, when, how long, who took part)."""
from __future__ import annotations

import datetime as dt
import secrets
from typing import Any
from zoneinfo import ZoneInfo

import peewee as pw

from kernel import (Event, can_see, current_relais, iso_utc, post_system_message, publish_on_commit, utcnow,
                    visible_exchanges, write_transaction)
from kernel.models import Account, Exchange

from . import events
from .models import DECLINED, JOINED, LEFT, VisioCall, VisioParticipant
from .settings import visio_settings

BUILT_IN = "webrtc"
PARIS = ZoneInfo("Europe/Paris")  # the platform's users read French local times


class CallFull(Exception):
    """The mesh already has its maximum of pages."""


def person(account: Account) -> dict[str, Any]:
    return {"id": account.id, "name": account.full_name}


def ongoing_call(exchange_id: int) -> VisioCall | None:
    return (VisioCall.select().where((VisioCall.exchange == exchange_id) & VisioCall.ended_at.is_null())
            .order_by(VisioCall.id).first())


def active_peers(call: VisioCall) -> list[VisioParticipant]:
    return list(VisioParticipant.select(VisioParticipant, Account).join(Account)
                .where((VisioParticipant.call == call) & (VisioParticipant.state == JOINED))
                .order_by(VisioParticipant.id))


def _provider_for(exchange: Exchange, key: str, account: Account) -> str:
    room = current_relais().pm.hook.video_room(exchange=exchange, call_key=key, account=account)
    return room.provider if room is not None else BUILT_IN


def join(exchange: Exchange, account: Account) -> tuple[VisioCall, VisioParticipant, list[VisioParticipant]]:
    """Put a page of ``account`` in the exchange's ongoing call, starting one if there is none; returns the
    call, the page's row and the pages already there. Raises CallFull when the mesh is full."""
    settings = visio_settings()
    with write_transaction():
        # One ongoing call per exchange: two members starting at once must meet in the same call. SQLite's
        # write transaction already holds the database's write lock; PostgreSQL locks the exchange's row.
        if getattr(current_relais().database, "for_update", False):
            list(Exchange.select(Exchange.id).where(Exchange.id == exchange.id).for_update())
        call = ongoing_call(exchange.id)
        started = call is None
        if started:
            key = secrets.token_hex(16)
            call = VisioCall.create(exchange=exchange, key=key, started_by=account,
                                    provider=_provider_for(exchange, key, account))
        others = active_peers(call)
        if call.provider == BUILT_IN and len(others) >= settings.max_participants:
            raise CallFull()
        VisioParticipant.delete().where((VisioParticipant.call == call) & (VisioParticipant.account == account)
                                        & (VisioParticipant.state == DECLINED)).execute()
        me = VisioParticipant.create(call=call, account=account, peer=secrets.token_urlsafe(12))
        if started:
            publish_on_commit(Event.for_exchange(events.STARTED.name, exchange.id, {
                "call": call.id, "subject": exchange.subject, "started_by": person(account),
                "provider": call.provider}))
            post_system_message(exchange, f"{account.full_name} a démarré une visio.",
                                data={"visio": {"call": call.id, "event": "started"}})
            _panels_changed(exchange.id)
        publish_on_commit(Event.for_exchange(events.JOINED.name, exchange.id, {
            "call": call.id, "peer": me.peer, "account": person(account)}))
    return call, me, others


def leave(call: VisioCall, peer: str, account: Account) -> bool:
    """The page leaves; the call ends if it was the last. False when that page was not in the call."""
    with write_transaction():
        left = (VisioParticipant.update(state=LEFT, left_at=utcnow())
                .where((VisioParticipant.call == call) & (VisioParticipant.peer == peer)
                       & (VisioParticipant.account == account) & (VisioParticipant.state == JOINED)).execute())
        if left:
            publish_on_commit(Event.for_exchange(events.LEFT.name, call.exchange_id, {
                "call": call.id, "peer": peer, "account": person(account)}))
            end_if_empty(call)
    return bool(left)


def heartbeat(call: VisioCall, peer: str, account: Account) -> bool:
    """The page is still in the call; False when it is not (it was let go after a silence, or the call ended)."""
    with write_transaction():
        return bool(VisioParticipant.update(last_seen=utcnow())
                    .where((VisioParticipant.call == call) & (VisioParticipant.peer == peer)
                           & (VisioParticipant.account == account) & (VisioParticipant.state == JOINED)).execute())


def decline(call: VisioCall, account: Account) -> None:
    with write_transaction():
        mine = VisioParticipant.select().where((VisioParticipant.call == call) & (VisioParticipant.account == account))
        if mine.exists():
            return  # already answered (joined, or declined from another page)
        VisioParticipant.create(call=call, account=account, state=DECLINED)
        publish_on_commit(Event.for_exchange(events.DECLINED.name, call.exchange_id, {
            "call": call.id, "account": person(account)}))


def end_if_empty(call: VisioCall) -> bool:
    """End the call when no page is in it any more (inside the caller's transaction); idempotent."""
    busy = VisioParticipant.select().where((VisioParticipant.call == call) & (VisioParticipant.state == JOINED))
    if busy.exists():
        return False
    now = utcnow()
    if not VisioCall.update(ended_at=now).where((VisioCall.id == call.id) & VisioCall.ended_at.is_null()).execute():
        return False  # another request or the job ended it
    duration = int((now - call.started_at).total_seconds())
    post_system_message(call.exchange_id, call_summary(call, duration),
                        data={"visio": {"call": call.id, "event": "ended", "duration_seconds": duration}})
    publish_on_commit(Event.for_exchange(events.ENDED.name, call.exchange_id, {
        "call": call.id, "duration_seconds": duration}))
    _panels_changed(call.exchange_id)
    return True


def _panels_changed(exchange_id: int) -> None:
    # The kernel's "the exchange changed": open thread pages ask for its header again, whose panels now show
    # (or no longer show) « Visio en cours ».
    publish_on_commit(Event.for_exchange("exchange.updated", exchange_id, {"exchange_id": exchange_id}))


def call_summary(call: VisioCall, duration_seconds: int) -> str:
    """« Visio terminée : démarrée par Julie Bernard à 16 h 32, durée 12 min ; participants : ... »"""
    names: list[str] = []
    rows = (VisioParticipant.select(VisioParticipant, Account).join(Account)
            .where((VisioParticipant.call == call) & (VisioParticipant.state != DECLINED))
            .order_by(VisioParticipant.id))
    for row in rows:
        if row.account.full_name not in names:
            names.append(row.account.full_name)
    starter = call.started_by.full_name if call.started_by_id else "un participant"
    local = call.started_at.replace(tzinfo=dt.timezone.utc).astimezone(PARIS)
    who = ", ".join(names) if names else "personne"
    return (f"Visio terminée : démarrée par {starter} à {local:%H} h {local:%M}, "
            f"durée {duration_text(duration_seconds)} ; participants : {who}.")


def duration_text(seconds: int) -> str:
    minutes = round(seconds / 60)
    if minutes < 1:
        return "moins d'une minute"
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d}"


def expire_silent_pages(payload: dict[str, Any] | None = None) -> int:
    """The job: pages not heard from for ``silence_seconds`` have left (a closed laptop, a lost network), so
    have pages whose account no longer sees the exchange (removed, delegation withdrawn: the others' pages then
    drop their connection), and calls with nobody left end. Returns how many calls ended. Idempotent."""
    cutoff = utcnow() - dt.timedelta(seconds=visio_settings().silence_seconds)
    ended = 0
    with write_transaction():
        pages = list(VisioParticipant.select(VisioParticipant, Account, VisioCall).join(Account)
                     .switch(VisioParticipant).join(VisioCall).where(VisioParticipant.state == JOINED))
        for row in pages:
            if row.last_seen >= cutoff and can_see(row.account_id, row.call.exchange_id):
                continue
            if VisioParticipant.update(state=LEFT, left_at=utcnow()).where(
                    (VisioParticipant.id == row.id) & (VisioParticipant.state == JOINED)).execute():
                publish_on_commit(Event.for_exchange(events.LEFT.name, row.call.exchange_id, {
                    "call": row.call_id, "peer": row.peer, "account": person(row.account)}))
        busy = VisioParticipant.select(VisioParticipant.call).where(VisioParticipant.state == JOINED)
        for call in VisioCall.select().where(VisioCall.ended_at.is_null() & VisioCall.id.not_in(busy)):
            ended += end_if_empty(call)
    return ended


def ringing_calls(account: Account) -> list[dict[str, Any]]:
    """Ongoing calls of exchanges the account sees that it has neither joined nor declined (one query)."""
    answered = VisioParticipant.select(VisioParticipant.call).where(VisioParticipant.account == account)
    Starter = Account.alias()
    rows = (VisioCall.select(VisioCall, Exchange, Starter).join(Exchange)
            .switch(VisioCall).join(Starter, pw.JOIN.LEFT_OUTER, on=(VisioCall.started_by == Starter.id))
            .where(VisioCall.ended_at.is_null() & VisioCall.exchange.in_(visible_exchanges(account.id))
                   & VisioCall.id.not_in(answered))
            .order_by(VisioCall.started_at.desc()))
    return [call_json(row, row.exchange, row.started_by if row.started_by_id else None) for row in rows]


def call_json(call: VisioCall, exchange: Exchange, starter: Account | None) -> dict[str, Any]:
    return {"id": call.id, "exchange_id": exchange.id, "subject": exchange.subject, "provider": call.provider,
            "started_at": iso_utc(call.started_at), "started_by": person(starter) if starter else None,
            "url": f"/visio/echanges/{exchange.id}"}
