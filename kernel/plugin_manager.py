"""Build the plugin manager of one app: load the enabled entry points, report and skip broken ones."""
from __future__ import annotations

import logging
from importlib.metadata import EntryPoint, entry_points
from typing import Any, Iterable

import pluggy

from . import hookspecs
from .plugin_report import PluginReport, PluginStatus

ENTRY_POINT_GROUP = "relais.plugins"
BUILTIN_DISTRIBUTION = "relais-sante"
log = logging.getLogger(__name__)


def _distribution_name(ep: EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    return dist.metadata["Name"] if dist is not None else ""


def installed_plugins() -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def enabled_names(configured: Iterable[str], installed: dict[str, EntryPoint]) -> list[str]:
    """Expand ``*builtin`` into the plugins shipped with Relais Santé, keep order, drop repeats."""
    names: list[str] = []
    for name in configured:
        if name == "*builtin":
            expanded = sorted(n for n, ep in installed.items()
                              if _distribution_name(ep).lower() == BUILTIN_DISTRIBUTION)
        else:
            expanded = [name]
        names.extend(n for n in expanded if n not in names)
    return names


def build_plugin_manager(configured: Iterable[str],
                         extra: Iterable[tuple[str, Any]] = ()) -> tuple[pluggy.PluginManager, PluginReport]:
    """Create a fresh manager (never a global) with the enabled plugins and ``extra`` (name, object) pairs."""
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    report = PluginReport()
    installed = installed_plugins()
    wanted = enabled_names(configured, installed)

    candidates: list[tuple[str, str, Any]] = []
    for name in wanted:
        ep = installed.get(name)
        if ep is None:
            report.add(PluginStatus(name, "not installed"))
            continue
        try:
            candidates.append((name, ep.value, ep.load()))
        except Exception as exc:  # a broken plugin must not take the platform down
            report.add(PluginStatus(name, "failed", ep.value, f"import failed: {type(exc).__name__}: {exc}"))
    candidates.extend((name, getattr(obj, "__name__", repr(obj)), obj) for name, obj in extra)

    for name, source, obj in candidates:
        try:
            pm.register(obj, name=name)
            # Per plugin, so a misspelled hook names its plugin and only that plugin is skipped.
            pm.check_pending()
        except Exception as exc:
            if pm.is_registered(obj):
                pm.unregister(obj)
            report.add(PluginStatus(name, "failed", source, f"registration failed: {type(exc).__name__}: {exc}"))
            continue
        report.add(PluginStatus(name, "loaded", source))

    for name, ep in sorted(installed.items()):
        if name not in wanted:
            report.add(PluginStatus(name, "available", ep.value))
    return pm, report
