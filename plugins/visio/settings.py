"""The visio plugin's settings (``[plugin.visio]``), read once per use with their defaults: README.md lists them."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kernel import current_relais

NAME = "visio"


def _number(raw: Any, default: int, low: int, high: int) -> int:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        return default
    return min(max(value, low), high)


def _urls(raw: Any) -> list[str]:
    """A list in the TOML file, a comma-separated string in the environment."""
    if raw is None:
        return []
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    return [str(item).strip() for item in items if str(item).strip()]


@dataclass(frozen=True)
class VisioSettings:
    max_participants: int
    stun_urls: list[str]
    turn_urls: list[str]
    turn_secret: str
    turn_username: str
    turn_password: str
    turn_ttl_seconds: int
    heartbeat_seconds: int
    silence_seconds: int


def visio_settings() -> VisioSettings:
    raw = current_relais().plugin_settings(NAME)
    heartbeat = _number(raw.get("heartbeat_seconds"), 15, 5, 300)
    return VisioSettings(
        # A mesh sends every picture to every other page: beyond six, a doctor's uplink gives up.
        max_participants=_number(raw.get("max_participants"), 6, 2, 6),
        stun_urls=_urls(raw.get("stun_urls")),
        turn_urls=_urls(raw.get("turn_urls")),
        turn_secret=str(raw.get("turn_secret") or ""),
        turn_username=str(raw.get("turn_username") or ""),
        turn_password=str(raw.get("turn_password") or ""),
        turn_ttl_seconds=_number(raw.get("turn_ttl_seconds"), 12 * 3600, 60, 7 * 24 * 3600),
        heartbeat_seconds=heartbeat,
        silence_seconds=_number(raw.get("silence_seconds"), 3 * heartbeat, 2 * heartbeat, 3600),
    )
