"""The téléexpertise plugin's hooks: its channel, tables, screen, thread panels, actions and demo data.

Each hook merges what finalisation (the report and billing, finalisation_hooks.py) adds to the request side's.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import url_for

from kernel import GROUP_MONSISRA, Channel, MenuLink, MigrationSet, PageAsset, hookimpl

from . import admin_profile, demo, finalisation_hooks as finalisation, request_form, request_thread, statuses
from .events import EVENT_TYPES, STATUS
from .models import MODELS
from .views import PROFILE_PAGE, QUEUE_PAGE, blueprint

CHANNEL = request_form.CHANNEL
MIGRATIONS = Path(__file__).parent / "migrations"


@hookimpl
def register_channels() -> list[Channel]:
    return [Channel(CHANNEL, "Démarrer une téléexpertise", GROUP_MONSISRA, "chat", order=20,
                    description="Demander l'avis d'un expert sur un patient, avec un compte rendu facturable.")]


@hookimpl
def register_models() -> list[type]:
    return [*MODELS, *finalisation.models()]


@hookimpl
def register_migrations() -> list[MigrationSet]:
    return [MigrationSet(CHANNEL, MIGRATIONS)]


@hookimpl
def register_blueprints() -> list[Any]:
    return [blueprint, admin_profile.blueprint, *finalisation.blueprints()]


@hookimpl
def register_jobs() -> list[Any]:
    return [*finalisation.jobs()]


@hookimpl
def register_event_types() -> list[Any]:
    return [*EVENT_TYPES, *finalisation.event_types()]


@hookimpl
def compose_form(channel: str, account: Any, patient: Any) -> list[Any]:
    own = request_form.fields(account, patient) if channel == CHANNEL else []
    return [*own, *finalisation.compose_fields(channel, account, patient)]


@hookimpl
def validate(channel: str, draft: dict[str, Any], account: Any, acting_as: Any,
             exchange: Any) -> dict[str, Any] | None:
    errors: dict[str, Any] = {}
    if channel == CHANNEL and exchange is None:
        errors.update(request_form.check(draft, account, acting_as))
    for name, messages in (finalisation.validate(channel, draft, account, acting_as, exchange) or {}).items():
        errors.setdefault(name, [])
        errors[name] = [*errors[name], *(messages if isinstance(messages, list) else [messages])]
    return errors or None


@hookimpl
def deliver(channel: str, exchange: Any, draft: dict[str, Any], context: Any) -> bool | None:
    if channel != CHANNEL:
        return None
    if context.is_new_exchange:
        request = request_form.store(exchange, draft, context)
        statuses.show_status(exchange, request.status)
        # After the expert joined: the expert side hears of its new request (queue, badge).
        context.publish(STATUS.name, exchange.id, statuses.event_data(request, request.status, ""))
    return True


@hookimpl
def on_event(event: Any) -> None:
    """The expert side opened the thread (it read messages) or wrote in it: the request is in progress."""
    if event.type == "message.created" and event.data.get("kind") != "system":
        account_id = (event.data.get("author") or {}).get("id")
    elif event.type == "receipt.created":
        account_id = (event.data.get("account") or {}).get("id")
    else:
        return
    if account_id is not None and event.exchange_id is not None:
        statuses.start_on_expert_activity(event.exchange_id, account_id)


@hookimpl
def exchange_panels(exchange: Any, account: Any) -> list[Any]:
    if exchange.channel != CHANNEL:
        return []
    return [*request_thread.panels(exchange, account), *finalisation.panels(exchange, account)]


@hookimpl
def exchange_actions(exchange: Any, account: Any) -> list[Any]:
    if exchange.channel != CHANNEL:
        return []
    return [*request_thread.actions(exchange, account), *finalisation.actions(exchange, account)]


@hookimpl
def page_assets(page: str, account: Any) -> list[Any]:
    own = {PROFILE_PAGE: [PageAsset("css/teleexpertise.css"), PageAsset("js/profile.js")],
           admin_profile.STRUCTURE_PROFILE_PAGE: [PageAsset("css/teleexpertise.css"), PageAsset("js/profile.js")],
           QUEUE_PAGE: [PageAsset("css/teleexpertise.css"), PageAsset("js/queue.js")]}.get(page, [])
    return [*own, *finalisation.assets(page, account)]


@hookimpl
def menu_links(account: Any) -> list[MenuLink]:
    count = url_for("teleexpertise.to_handle_count")
    events = (STATUS.name,)
    return [
        MenuLink("teleexpertise_queue", "Téléexpertises", url_for("teleexpertise.queue_page"), count_url=count,
                 count_events=events, order=20),
        MenuLink("teleexpertise_queue_chat", "Téléexpertises à traiter", url_for("teleexpertise.queue_page"),
                 space="chat", section="Téléexpertise", count_url=count, count_events=events, order=20),
        MenuLink("teleexpertise_profile", "Mon profil d'expert", url_for("teleexpertise.profile_page"),
                 space="chat", section="Téléexpertise", order=21),
        *finalisation.menu_links(account),
    ]


@hookimpl
def seed_demo(accounts: dict[str, Any], structure: Any, patients: list[Any]) -> None:
    demo.seed(accounts, patients)
    finalisation.seed_demo(accounts, structure, patients)


@hookimpl
def structure_admin_sections(structure: Any, account: Any) -> list[Any]:
    from .admin_section import structure_sections

    return structure_sections(structure, account)
