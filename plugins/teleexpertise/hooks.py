"""The téléexpertise plugin's hooks: its channel, tables, screen, thread panels, actions and demo data.

Each hook merges what finalisation (the report and billing, finalisation_hooks.py) adds to the request side's.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from kernel import GROUP_MONSISRA, Channel, MigrationSet, hookimpl

from . import finalisation_hooks as finalisation
from .models import MODELS

CHANNEL = "teleexpertise"
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
    return [*finalisation.blueprints()]


@hookimpl
def register_jobs() -> list[Any]:
    return [*finalisation.jobs()]


@hookimpl
def register_event_types() -> list[Any]:
    return [*finalisation.event_types()]


@hookimpl
def compose_form(channel: str, account: Any, patient: Any) -> list[Any]:
    return [*finalisation.compose_fields(channel, account, patient)]


@hookimpl
def validate(channel: str, draft: dict[str, Any], account: Any, acting_as: Any,
             exchange: Any) -> dict[str, Any] | None:
    errors: dict[str, Any] = {}
    errors.update(finalisation.validate(channel, draft, account, acting_as, exchange) or {})
    return errors or None


@hookimpl
def deliver(channel: str) -> bool | None:
    return True if channel == CHANNEL else None


@hookimpl
def exchange_panels(exchange: Any, account: Any) -> list[Any]:
    if exchange.channel != CHANNEL:
        return []
    return [*finalisation.panels(exchange, account)]


@hookimpl
def exchange_actions(exchange: Any, account: Any) -> list[Any]:
    if exchange.channel != CHANNEL:
        return []
    return [*finalisation.actions(exchange, account)]


@hookimpl
def page_assets(page: str, account: Any) -> list[Any]:
    return [*finalisation.assets(page, account)]


@hookimpl
def seed_demo(accounts: dict[str, Any], structure: Any, patients: list[Any]) -> None:
    finalisation.seed_demo(accounts, structure, patients)
