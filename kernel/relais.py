"""The state of one Relais app (``app.extensions["relais"]``): its plugins, database and services."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import peewee as pw
import pluggy
from flask import current_app

from .channel import Channel
from .config import Config
from .event_types import KERNEL_EVENT_TYPES, EventType
from .integration import Connector
from .migrate import MigrationSet
from .plugin_report import PluginReport, PluginStatus
from .services.attachments import AttachmentStore
from .services.audit import Audit
from .services.events import EventBus
from .services.jobs import JobRunner, JobType
from .services.pdf import PdfRenderer

log = logging.getLogger(__name__)


@dataclass
class Relais:
    config: Config
    pm: pluggy.PluginManager
    report: PluginReport
    database: pw.Database
    channels: dict[str, Channel] = field(default_factory=dict)
    connectors: dict[str, Connector] = field(default_factory=dict)
    models: list[type] = field(default_factory=list)
    migrations: list[MigrationSet] = field(default_factory=list)
    blueprints: list[Any] = field(default_factory=list)
    job_types: list[JobType] = field(default_factory=list)
    services: list[Any] = field(default_factory=list)  # started by run_platform beside the web server
    event_types: dict[str, EventType] = field(default_factory=dict)  # the event catalogue: the kernel's and plugins'
    contributions: dict[str, "Contribution"] = field(default_factory=dict)
    events: EventBus = None  # type: ignore[assignment]
    jobs: JobRunner = None  # type: ignore[assignment]
    attachments: AttachmentStore = None  # type: ignore[assignment]
    pdf: PdfRenderer = None  # type: ignore[assignment]
    audit: Audit = None  # type: ignore[assignment]
    sender: Any = None

    def serialize_message(self, message: Any) -> dict[str, Any]:
        from .schemas import shared
        from .schemas.exchange import MessageSchema
        from .services.threads import attach

        if not hasattr(message, "prefetched_attachments"):
            attach([message])
        return shared(MessageSchema).dump(message)

    def plugin_settings(self, name: str) -> dict[str, Any]:
        return self.config.plugin(name)

    def migration_sets(self) -> list[MigrationSet]:
        """Every migration folder in the order they are applied: the kernel's, then each plugin's."""
        from .migrate import KERNEL_MIGRATIONS

        return [MigrationSet("kernel", KERNEL_MIGRATIONS), *self.migrations]


def current_relais() -> Relais:
    """The Relais state of the app in context: how plugins reach the shared services."""
    return current_app.extensions["relais"]


REGISTRATION_HOOKS = ("register_channels", "register_connectors", "register_models", "register_migrations",
                      "register_blueprints", "register_jobs", "register_services", "register_event_types")
# Names a plugin's blueprint may not take: the kernel's own. ("shell" is the shell's, a default plugin:
# a plugin taking it clashes with the shell like with any other plugin.)
KERNEL_BLUEPRINTS = {"api", "openapi", "static"}


@dataclass
class Contribution:
    """What one plugin brings to the app."""

    plugin: object
    channels: list[Channel]
    connectors: list[Connector]
    models: list[type]
    migrations: list[MigrationSet]
    blueprints: list[Any]
    job_types: list[JobType]
    services: list[Any]
    event_types: list[EventType]

    def names(self) -> dict[str, set[str]]:
        return {"canal": {c.name for c in self.channels}, "connecteur": {c.name for c in self.connectors},
                "migrations": {m.namespace for m in self.migrations},
                "blueprint": {b.name for b in self.blueprints}, "job": {j.name for j in self.job_types},
                "service": {s.name for s in self.services}, "événement": {e.name for e in self.event_types}}


def collect_registrations(relais: Relais) -> None:
    """Ask each plugin what it brings. A plugin whose registration raises, or that takes a name another
    plugin already has (channel, connector, job, migration namespace, blueprint), is reported and
    unregistered, and nothing of it is kept, while the others go on."""
    taken: dict[str, set[str]] = {"blueprint": set(KERNEL_BLUEPRINTS),
                                  "événement": {t.name for t in KERNEL_EVENT_TYPES}}
    for plugin in list(relais.pm.get_plugins()):
        name = relais.pm.get_name(plugin) or repr(plugin)
        try:
            brought = Contribution(plugin, *(_call_own(relais.pm, hook, plugin) for hook in REGISTRATION_HOOKS))
            for kind, names in brought.names().items():
                clash = sorted(names & taken.get(kind, set()))
                if clash:
                    raise ValueError(f"{kind} {clash[0]!r} is already provided by another plugin")
        except Exception as exc:
            log.exception("plugin %s could not register", name)
            relais.pm.unregister(plugin)
            _mark_failed(relais.report, name, f"{type(exc).__name__}: {exc}")
            continue
        for kind, names in brought.names().items():
            taken.setdefault(kind, set()).update(names)
        relais.contributions[name] = brought
    refresh_registries(relais)


def refresh_registries(relais: Relais) -> None:
    """Rebuild the app-wide registries from the plugins still accepted."""
    kept = list(relais.contributions.values())
    relais.channels = {c.name: c for b in kept for c in b.channels}
    relais.connectors = {c.name: c for b in kept for c in b.connectors}
    relais.models = [m for b in kept for m in b.models]
    relais.migrations = [m for b in kept for m in b.migrations]
    relais.blueprints = [bp for b in kept for bp in b.blueprints]
    relais.job_types = [j for b in kept for j in b.job_types]
    relais.services = [s for b in kept for s in b.services]
    relais.event_types = {e.name: e for e in (*KERNEL_EVENT_TYPES, *(e for b in kept for e in b.event_types))}


def discard_plugin(relais: Relais, name: str, error: str) -> None:
    """Take a plugin out after registration (its migration failed, its tables are missing...)."""
    brought = relais.contributions.pop(name, None)
    if brought is not None and relais.pm.is_registered(brought.plugin):
        relais.pm.unregister(brought.plugin)
    _mark_failed(relais.report, name, error)
    refresh_registries(relais)


def _call_own(pm: pluggy.PluginManager, hook_name: str, plugin: object) -> list[Any]:
    results: list[Any] = []
    for impl in getattr(pm.hook, hook_name).get_hookimpls():
        if impl.plugin is plugin:
            results.extend(impl.function() or [])
    return results


def _mark_failed(report: PluginReport, name: str, error: str) -> None:
    for status in report.plugins:
        if status.name == name:
            status.status, status.error = "failed", error
            log.error("plugin %s skipped: %s", name, error)
            return
    report.add(PluginStatus(name, "failed", error=error))
