"""Apps for tests: built through ``create_app`` in a folder of their own, closed afterwards."""
from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any, Iterable

from flask import Flask

from ..app import create_app

# A plugin given to a test app: an entry-point name (enabled by configuration, as a deployer does)
# or a (name, hooks module or object) pair (registered directly).
PluginSpec = str | tuple[str, Any]


class TestApps:
    """Builds apps under ``folder`` and closes them all (scheduler, event backend, database) at the end."""

    __test__ = False  # not a test class, whatever pytest thinks of the name

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.apps: list[Flask] = []

    def build(self, plugins: Iterable[PluginSpec] = (), *, name: str | None = None, **settings: Any) -> Flask:
        """An app on SQLite in ``folder/<name>`` (unless ``database_url`` is given) with ``plugins``
        and these settings (any setting of docs/configuration.md, ``plugin_settings`` included)."""
        plugins = list(plugins)
        enabled = [p for p in plugins if isinstance(p, str)]
        objects = [p for p in plugins if not isinstance(p, str)]
        data_dir = self.folder / (name or f"app{len(self.apps)}")
        config: dict[str, Any] = {"data_dir": str(data_dir), "log_level": "WARNING", **settings, "plugins": enabled}
        app = create_app(config, plugins=objects)
        app.config["TESTING"] = True
        self.apps.append(app)
        return app

    def close(self) -> None:
        """Close every app (scheduler, event backend, database), each step even when an earlier one failed:
        a test's failure to close one app must not leave the others' threads and connections open."""
        apps, self.apps = self.apps, []
        errors: list[Exception] = []
        for app in apps:
            relais = app.extensions["relais"]
            database = relais.database
            for step in (partial(relais.jobs.shutdown, wait=False),
                         relais.events.close,  # a PostgreSQL event backend's listening thread
                         database.close_all if hasattr(database, "close_all") else database.close):
                try:
                    step()
                except Exception as exc:
                    errors.append(exc)
        if len(errors) == 1:
            raise errors[0]
        if errors:
            raise ExceptionGroup("closing the test apps", errors)
