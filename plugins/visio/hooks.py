"""The visio plugin's hooks: the « Démarrer une visio » button on chat-space exchanges, the call page and its
routes, the ringing banner on every page, the signalling over the live socket, the job ending silent calls."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from kernel import (Event, ExchangeAction, ExchangePanel, JobType, MigrationSet, PageAsset, current_relais, hookimpl,
                    write_transaction)
from kernel.models import CHAT, Account, Exchange

from .calls import expire_silent_pages, ongoing_call
from .events import EVENT_TYPES
from .models import JOINED, VisioCall, VisioParticipant
from .signalling import SIGNAL, relay_signal
from .views import blueprint

NAME = "visio"
MIGRATIONS = Path(__file__).parent / "migrations"
EXPIRE_JOB = "visio.expire"
EXPIRE_EVERY_SECONDS = 15  # a page silent for silence_seconds is let go within this much more
NO_BANNER_PAGES = {"login", "error"}


@hookimpl
def register_models() -> list[type]:
    return [VisioCall, VisioParticipant]


@hookimpl
def register_migrations() -> list[MigrationSet]:
    return [MigrationSet(NAME, MIGRATIONS)]


@hookimpl
def register_blueprints() -> list[Any]:
    return [blueprint]


@hookimpl
def register_jobs() -> list[JobType]:
    return [JobType(EXPIRE_JOB, expire_silent_pages, every=EXPIRE_EVERY_SECONDS, max_attempts=1)]


@hookimpl
def register_event_types() -> list[Any]:
    return EVENT_TYPES


@hookimpl
def on_event(event: Event) -> None:
    # Someone's rights shrank (a member removed, a delegation withdrawn, a session ended): let the job check
    # the pages in calls now rather than at its next round. Nothing to do while nobody is in a call.
    if event.type != "rights.changed":
        return
    if not VisioParticipant.select().where(VisioParticipant.state == JOINED).exists():
        return
    with write_transaction():
        current_relais().jobs.enqueue(EXPIRE_JOB, {})


@hookimpl
def exchange_actions(exchange: Exchange) -> list[ExchangeAction]:
    # Any channel of the chat space (a conversation, a téléexpertise): a mail thread has people outside.
    if exchange.space != CHAT:
        return []
    if ongoing_call(exchange.id) is not None:
        return []  # the panel « Visio en cours » offers « Rejoindre la visio » instead
    return [ExchangeAction("visio_start", "Démarrer une visio", f"/visio/echanges/{exchange.id}", method="GET",
                           icon="video", order=20)]


@hookimpl
def exchange_panels(exchange: Exchange) -> list[ExchangePanel]:
    if exchange.space != CHAT:
        return []
    call = ongoing_call(exchange.id)
    if call is None:
        return []
    join = ExchangeAction("visio_join", "Rejoindre la visio", f"/visio/echanges/{exchange.id}", method="GET",
                          icon="video")
    return [ExchangePanel("visio_ongoing", "Visio en cours", text="Une visio est en cours dans cet échange.",
                          level="info", action=join, order=10, data={"call": call.id})]


@hookimpl
def page_assets(page: str, account: Account | None) -> list[PageAsset]:
    if account is None or page in NO_BANNER_PAGES:
        return []
    assets = [PageAsset("css/visio.css"), PageAsset("js/ringing.js")]
    if page == "visio.call":
        assets.append(PageAsset("js/call_page.js"))
    return assets


@hookimpl
def socket_message(account: Account, message: dict[str, Any]) -> dict[str, Any] | bool | None:
    if message["type"] != SIGNAL:
        return None
    return relay_signal(account, message)
