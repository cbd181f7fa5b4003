"""The hooks of the "exemple_rappel" plugin: a conversation whose reminder comes back on a chosen day.

Sending stores the reminder's date on the exchange and enqueues a job in the same transaction
(transactional outbox); on the day, the job writes "Rappel : ..." in the conversation and pushes it live.
"""
from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from kernel import (GROUP_MONSISRA, Channel, EventType, ExchangePanel, FormField, JobType, SendContext, current_relais,
                    hookimpl, post_system_message, utcnow, write_transaction)
from kernel.models import Exchange

NAME = "exemple_rappel"  # entry-point name, channel name, settings table, prefix of jobs and events
REMIND_JOB = f"{NAME}.rappeler"
PROGRAMMED = EventType(f"{NAME}.programme", "A reminder was programmed on a new conversation.",
                       fields={"date": "the day it is due, ISO 8601 (YYYY-MM-DD)"})
PARIS = ZoneInfo("Europe/Paris")
PAST_DATE = "La date du rappel est passée : choisissez aujourd'hui ou une date à venir."


def today() -> dt.date:
    # Users think in French time: at 00:30 in Paris it is already "tomorrow" for them.
    return dt.datetime.now(PARIS).date()


def reminder_time(day: dt.date) -> dt.datetime:
    """When the reminder is due, as the naive UTC the job table stores (setting ``heure``, default 8 h)."""
    hour = int(current_relais().plugin_settings(NAME).get("heure", 8))
    local = dt.datetime.combine(day, dt.time(hour), tzinfo=PARIS)
    return local.astimezone(dt.timezone.utc).replace(tzinfo=None)


@hookimpl
def register_channels() -> list[Channel]:
    return [Channel(NAME, "Programmer un rappel", GROUP_MONSISRA, "chat", order=60,
                    description="Une conversation qui revient à la date choisie.")]


@hookimpl
def compose_form(channel: str) -> list[FormField]:
    if channel != NAME:
        return []
    return [FormField("members", "person", "Participants", required=True, many=True, order=10,
                      help="Ils recevront le rappel dans la conversation."),
            FormField("subject", "text", "Objet", required=True, order=20, placeholder="Ex. : renouveler l'ordonnance"),
            FormField("body", "message", "Message", order=30),
            FormField("remind_on", "date", "Date du rappel", required=True, order=40)]


@hookimpl
def validate(channel: str, draft: dict[str, Any], exchange: Any) -> dict[str, str] | None:
    # A reply in the conversation has no date to check: only the first send programs a reminder.
    if channel != NAME or exchange is not None:
        return None
    day = draft.get("remind_on")
    if day is not None and day < today():
        return {"remind_on": PAST_DATE}
    return None


@hookimpl
def deliver(channel: str, exchange: Exchange, draft: dict[str, Any], context: SendContext) -> bool | None:
    if channel != NAME:
        return None
    if context.is_new_exchange:
        day = draft["remind_on"]
        exchange.data = {**(exchange.data or {}), NAME: {"date": day.isoformat(), "done": False}}
        exchange.save(only=[Exchange.data])
        delay = max(0.0, (reminder_time(day) - utcnow()).total_seconds())
        context.enqueue(REMIND_JOB, {"exchange": exchange.id}, delay=delay, dedupe_key=f"{REMIND_JOB}:{exchange.id}")
        context.publish(PROGRAMMED.name, exchange.id, {"date": day.isoformat()})
    return True


def remind(payload: dict[str, Any]) -> None:
    """The job: write the reminder in the conversation, once; members see it live once it is committed."""
    with write_transaction():
        exchange = Exchange.get_or_none(Exchange.id == payload["exchange"])
        state = dict((exchange.data or {}).get(NAME) or {}) if exchange else {}
        if not state or state.get("done"):
            return  # deleted meanwhile, or already reminded (jobs may run twice)
        post_system_message(exchange, f"Rappel : {exchange.subject}")
        exchange.data = {**exchange.data, NAME: {**state, "done": True}}
        exchange.save(only=[Exchange.data])


@hookimpl
def register_jobs() -> list[JobType]:
    return [JobType(REMIND_JOB, remind, max_attempts=5)]


@hookimpl
def register_event_types() -> list[EventType]:
    return [PROGRAMMED]


@hookimpl
def exchange_panels(exchange: Exchange) -> list[ExchangePanel]:
    state = (exchange.data or {}).get(NAME) if exchange.channel == NAME else None
    if not state:
        return []
    day = dt.date.fromisoformat(state["date"]).strftime("%d/%m/%Y")
    if state.get("done"):
        return [ExchangePanel(NAME, "Rappel envoyé", text=f"Le rappel du {day} a été envoyé.", level="success")]
    return [ExchangePanel(NAME, "Rappel programmé", text=f"Cette conversation reviendra le {day}.",
                          data={"date": state["date"]})]
