"""The platform's name as its users know it (setting ``platform_name``): the brand, page titles, the "+" panel."""
from __future__ import annotations

from kernel import current_relais

DEFAULT_NAME = "Relais Santé"


def platform_name() -> str:
    return (current_relais().config.get("platform_name") or "").strip() or DEFAULT_NAME
