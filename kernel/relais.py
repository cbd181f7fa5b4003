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
from .integration import Connector
from .migrate import MigrationSet
from .plugin_manager import PluginReport, PluginStatus
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
    events: EventBus = None  # type: ignore[assignment]
    jobs: JobRunner = None  # type: ignore[assignment]
    attachments: AttachmentStore = None  # type: ignore[assignment]
    pdf: PdfRenderer = None  # type: ignore[assignment]
    audit: Audit = None  # type: ignore[assignment]
    sender: Any = None

    def serialize_message(self, message: Any) -> dict[str, Any]:
        from .schemas.exchange import MessageSchema
        from .services.threads import attach

        if not hasattr(message, "prefetched_attachments"):
            attach([message])
        return MessageSchema().dump(message)

    def plugin_settings(self, name: str) -> dict[str, Any]:
        return self.config.plugin(name)


def current_relais() -> Relais:
    """The Relais state of the app in context: how plugins reach the shared services."""
    return current_app.extensions["relais"]


REGISTRATION_HOOKS = ("register_channels", "register_connectors", "register_models", "register_migrations",
                      "register_blueprints", "register_jobs")


def collect_registrations(relais: Relais) -> None:
    """Ask each plugin what it brings; a plugin whose registration raises or clashes is reported and
    unregistered, and nothing of it is kept, while the others go on."""
    for plugin in list(relais.pm.get_plugins()):
        name = relais.pm.get_name(plugin) or repr(plugin)
        try:
            brought = {hook: _call_own(relais.pm, hook, plugin) for hook in REGISTRATION_HOOKS}
            clash = [c.name for c in brought["register_channels"] if c.name in relais.channels]
            if clash:
                raise ValueError(f"channel {clash[0]!r} is already provided by another plugin")
        except Exception as exc:
            log.exception("plugin %s could not register", name)
            relais.pm.unregister(plugin)
            _mark_failed(relais.report, name, f"{type(exc).__name__}: {exc}")
            continue
        relais.channels.update({c.name: c for c in brought["register_channels"]})
        relais.connectors.update({c.name: c for c in brought["register_connectors"]})
        relais.models.extend(brought["register_models"])
        relais.migrations.extend(brought["register_migrations"])
        relais.blueprints.extend(brought["register_blueprints"])
        relais.job_types.extend(brought["register_jobs"])


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
