"""The app factory: everything an app needs is built here, nothing at import time."""
from __future__ import annotations

import datetime as dt
import importlib
import logging
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from . import core_hooks
from .assets import PluginAssets, init_assets
from .auth.cookie_session import CookieSessions
from .mail import hooks as mail_hooks
from .config import Config, load_config
from .db import open_database
from .health import health_blueprint
from .json import RelaisJSONProvider
from .metrics import Metrics, metrics_blueprint
from .migrate import KERNEL_MIGRATIONS, MigrationSet, upgrade
from .plugin_manager import build_plugin_manager
from .plugin_report import PluginStatus
from .plugin_calls import call_each
from .relais import Relais, collect_registrations, discard_plugin
from .security_headers import init_security_headers
from .serving.access import AccessLog
from .services.attachments import AttachmentStore
from .services.audit import Audit
from .services.events import EventBus
from .services.jobs import JobRunner
from .services.pdf import PdfRenderer
from .services.sending import Sender

log = logging.getLogger(__name__)
# Plugins every app has, registered by the factory beside the enabled ones, as Datasette registers its
# DEFAULT_PLUGINS: the web shell gives its pages, templates and static files through the same hooks and
# folder conventions as any plugin, and the kernel never imports it.
SHELL = "shell"
DEFAULT_PLUGINS = ((SHELL, "web.hooks"),)


def create_app(config: Config | Mapping[str, Any] | None = None,
               plugins: Iterable[tuple[str, Any]] = (), migrate: bool = True) -> Flask:
    """Build one Relais app.

    :param config: a loaded Config, or overrides of the environment's configuration.
    :param plugins: extra ``(name, object)`` plugins registered beside the enabled entry points (tests).
    :param migrate: bring the database schema up to date (``relais init`` does it explicitly).
    """
    if not isinstance(config, Config):
        config = load_config(config)
    # The process's logging is its owner's (the CLI configures it: kernel/commands/logs.py), never the app's.

    # Static files and templates are the plugins' (the shell's included): see kernel/assets.py.
    app = Flask("relais", static_folder=None, template_folder=None)
    app.json = RelaisJSONProvider(app)
    # Every <int:...> in a route (the kernel's and plugins') is a row id: one beyond a 64-bit integer
    # names nothing, and must be a 404 rather than reach the database driver (OverflowError, a 500).
    app.url_map.converters["int"] = RowIdConverter
    app.config.update(
        SECRET_KEY=config["secret_key"],
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config["behind_tls"],
        SESSION_COOKIE_NAME="relais_session",
        # The cookie's own expiry; the server-side session (kernel/auth/sessions.py) is what counts.
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=config["session_hours"]),
        # Set once at sign-in, for the session's absolute lifetime: re-sending it with every answer would only
        # let an answer that left before a logout put the ended session's cookie back over the logout's own.
        SESSION_REFRESH_EACH_REQUEST=False,
        MAX_CONTENT_LENGTH=config["attachment_max_bytes"] + 1024 * 1024,
        WTF_CSRF_CHECK_DEFAULT=False,  # checked by our own hook, only for cookie-authenticated requests
        WTF_CSRF_TIME_LIMIT=None,
    )

    app.session_interface = CookieSessions()
    if config["access_log"]:
        # Inside ProxyFix: the line names the client the proxies forwarded, not the proxy.
        app.wsgi_app = AccessLog(app.wsgi_app)  # type: ignore[method-assign]
    if config["proxy_count"] > 0:
        # The client's address (throttling, audit), the scheme (Secure cookies, HSTS, the websocket's Origin
        # check) and the host as the proxies saw them; only that many proxies' headers are believed.
        n = config["proxy_count"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n)  # type: ignore[method-assign]
    init_security_headers(app, behind_tls=config["behind_tls"])

    defaults, broken = _default_plugins()
    pm, report = build_plugin_manager(config["plugins"], extra=[("kernel", core_hooks), ("kernel.mail", mail_hooks),
                                                                 *defaults, *plugins])
    for status in broken:
        report.add(status)
    relais = Relais(config=config, pm=pm, report=report, database=open_database(config["database_url"],
                                                                                config["database_pool_size"]))
    app.extensions["relais"] = relais
    with app.app_context():  # registration hooks may read their settings: current_relais().plugin_settings(...)
        collect_registrations(relais)
    if migrate:
        apply_migrations(relais)
    _mount_plugin_blueprints(app, relais)
    init_assets(app, PluginAssets.of([(name, c.plugin) for name, c in relais.contributions.items()], shell=SHELL))

    relais.metrics = Metrics()  # type: ignore[attr-defined]
    relais.events = EventBus(_event_backend(relais), listeners=lambda event: _notify_listeners(pm, event, relais))
    relais.jobs = JobRunner(app, relais.job_types, config["jobs_poll_seconds"], config["jobs_lease_seconds"])
    relais.attachments = AttachmentStore(config["attachments_dir"], config["attachment_max_bytes"])
    relais.pdf = PdfRenderer(config["wkhtmltopdf"])
    relais.audit = Audit()
    relais.sender = Sender(relais)

    from .auth import init_auth
    from .api import api
    from .api.openapi import openapi_blueprint
    from .ws import init_ws

    init_auth(app)
    app.register_blueprint(api)
    app.register_blueprint(openapi_blueprint)
    app.register_blueprint(health_blueprint)
    app.register_blueprint(metrics_blueprint)
    init_ws(app)

    @app.teardown_appcontext
    def _close_connection(exc: BaseException | None) -> None:
        db = relais.database
        if not db.is_closed():
            db.close()

    return app


def _default_plugins() -> tuple[list[tuple[str, Any]], list[PluginStatus]]:
    """Import the default plugins by name; one that fails is reported, and the app starts without it."""
    loaded, broken = [], []
    for name, module in DEFAULT_PLUGINS:
        try:
            loaded.append((name, importlib.import_module(module)))
        except Exception as exc:
            broken.append(PluginStatus(name, "failed", module, f"import failed: {type(exc).__name__}: {exc}"))
    return loaded, broken


class RowIdConverter(IntegerConverter):
    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(map, *args, **kwargs)


def _event_backend(relais: Relais) -> Any:
    if relais.config["event_backend"] == "postgres":
        from .services.events_postgres import PostgresBackend

        return PostgresBackend(relais.database)
    return None  # the in-process backend


@dataclass
class MigrationOutcome:
    applied: list[tuple[str, str]] = field(default_factory=list)  # (namespace, migration name)
    dropped: list[str] = field(default_factory=list)  # plugins taken out on the way


def apply_migrations(relais: Relais) -> MigrationOutcome:
    """Bring the schema up to date: the kernel's migrations first (a failure there is fatal), then each
    plugin's on its own, so one that fails takes only its plugin out; then check every plugin's tables."""
    outcome = MigrationOutcome()
    done = upgrade(relais.database, [MigrationSet("kernel", KERNEL_MIGRATIONS)])
    outcome.applied += [("kernel", name) for name in done["kernel"]]
    for name, brought in list(relais.contributions.items()):
        if not brought.migrations:
            continue
        try:
            done = upgrade(relais.database, brought.migrations)
        except Exception as exc:
            log.exception("plugin %s: migration failed", name)
            discard_plugin(relais, name, f"migration failed: {type(exc).__name__}: {exc}")
            outcome.dropped.append(name)
            continue
        outcome.applied += [(namespace, m) for namespace, names in done.items() for m in names]
    outcome.dropped += _check_plugin_tables(relais)
    return outcome


def _check_plugin_tables(relais: Relais) -> list[str]:
    """A plugin whose models have no table (a migration was forgotten) is reported, not left to fail later."""
    with relais.database.connection_context():
        tables = set(relais.database.get_tables())
    dropped = []
    for name, brought in list(relais.contributions.items()):
        missing = sorted(m._meta.table_name for m in brought.models if m._meta.table_name not in tables)
        if missing:
            discard_plugin(relais, name, f"tables missing (add a migration): {', '.join(missing)}")
            dropped.append(name)
    return dropped


def _mount_plugin_blueprints(app: Flask, relais: Relais) -> None:
    for name, brought in list(relais.contributions.items()):
        try:
            for blueprint in brought.blueprints:
                app.register_blueprint(blueprint)
        except Exception as exc:
            log.exception("plugin %s: blueprint could not be mounted", name)
            discard_plugin(relais, name, f"blueprint failed: {type(exc).__name__}: {exc}")


def _notify_listeners(pm: Any, event: Any, relais: Any) -> None:
    relais.metrics.count_event(event)  # the publisher's side: counted once, whatever the number of nodes
    for _ in call_each(pm, "on_event", event=event):
        pass
