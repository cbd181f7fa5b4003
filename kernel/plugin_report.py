"""What became of each enabled or installed plugin: the report ``relais plugins`` prints.

Kept apart from the plugin manager so the app state (kernel/relais.py) can hold a report without
importing the manager, which imports the hook specifications (an import circle otherwise).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

log = logging.getLogger("kernel.plugin_manager")  # the name operators already filter on


@dataclass
class PluginStatus:
    name: str
    status: str  # "loaded", "failed", "not installed", "available" (installed but not enabled)
    source: str = ""
    error: str = ""

    def as_json(self) -> dict[str, str]:
        return {"name": self.name, "status": self.status, "source": self.source, "error": self.error}


@dataclass
class PluginReport:
    plugins: list[PluginStatus] = field(default_factory=list)

    def add(self, status: PluginStatus) -> None:
        self.plugins.append(status)
        if status.status == "failed":
            log.error("plugin %s skipped: %s", status.name, status.error)
        elif status.status == "not installed":
            log.error("plugin %s is enabled in the configuration but not installed", status.name)

    @property
    def loaded(self) -> list[str]:
        return [p.name for p in self.plugins if p.status == "loaded"]
