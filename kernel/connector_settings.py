"""The instances a connector plugin is configured with (docs/connectors.md): every connector plugin reads the same
tables the same way, and stands in with its demo instance when the demo runs without any."""
from __future__ import annotations

import json
from typing import Any, Callable, TypeVar

from .integration import SOFTWARE, TARGETS
from .relais import current_relais

T = TypeVar("T")


class BadConnectorInstance(ValueError):
    """An instance's settings are unusable; the message names the plugin, the instance and the setting (English,
    for the deployer's log: the plugin is reported failed and skipped)."""


def connector_instances(plugin: str, read: Callable[[dict[str, Any]], T], demo: Callable[[], T]) -> list[T]:
    """Each table of ``[[plugin.<plugin>.instances]]`` (or of ``RELAIS_PLUGIN_<PLUGIN>__INSTANCES``, a JSON list)
    as ``read`` makes it, in order; in the demo (kernel setting ``demo``) with none configured, ``demo()`` alone."""
    relais = current_relais()
    raw = relais.plugin_settings(plugin).get("instances") or []
    if isinstance(raw, str):
        raw = json.loads(raw)
    found = [read(item) for item in raw]
    if not found and relais.config.get("demo"):
        return [demo()]
    return found


def instance_scope(plugin: str, item: dict[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """An instance table's targets (« logiciel » when it names none) and the FINESS of the structures whose
    members may use it (none: every account); BadConnectorInstance for a target that does not exist."""
    targets = tuple(item.get("targets") or (SOFTWARE,))
    unknown = [t for t in targets if t not in TARGETS]
    if unknown:
        raise BadConnectorInstance(f"{plugin} instance {item.get('key', '?')!r}: unknown targets {unknown}; "
                                   f"use {sorted(TARGETS)}")
    return targets, tuple(str(s) for s in item.get("structures") or ())
