"""What finalisation, the report and billing bring to the téléexpertise plugin's hooks (hooks.py merges it in)."""
from __future__ import annotations

from typing import Any


def panels(exchange: Any, account: Any) -> list:
    return []


def actions(exchange: Any, account: Any) -> list:
    return []


def jobs() -> list:
    return []


def blueprints() -> list:
    return []


def assets(page: str, account: Any) -> list:
    return []


def event_types() -> list:
    return []


def compose_fields(channel: str, account: Any, patient: Any) -> list:
    return []


def validate(channel: str, draft: dict, account: Any, acting_as: Any, exchange: Any) -> dict | None:
    return None


def models() -> list[type]:
    return []


def seed_demo(accounts: dict, structure: Any, patients: list) -> None:
    return None
