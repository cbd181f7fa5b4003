"""Calling a hook plugin by plugin, so one plugin that raises is isolated instead of breaking every call.

pluggy stops a hook call at the first exception. For hooks where every plugin contributes (fields,
checks, listeners, actions, panels) one broken plugin must not deprive users of the others, so the
kernel calls each implementation itself, in pluggy's order (tryfirst/trylast respected). Hooks with
wrappers are called normally: a wrapper needs pluggy's machinery.
"""
from __future__ import annotations

import logging
from typing import Any, Iterator

import pluggy

log = logging.getLogger(__name__)


class PluginCallFailed(Exception):
    def __init__(self, plugin: str, hook: str, error: BaseException) -> None:
        super().__init__(f"plugin {plugin}: {hook} failed: {type(error).__name__}: {error}")
        self.plugin = plugin


def call_each(pm: pluggy.PluginManager, hook_name: str, strict: bool = False,
              **kwargs: Any) -> Iterator[tuple[str, Any]]:
    """Yield ``(plugin name, result)`` for each implementation that returned something.

    A plugin that raises is logged and skipped; with ``strict`` the failure is raised as
    PluginCallFailed after being logged (callers that must fail safe, like ``validate``).
    """
    hook = getattr(pm.hook, hook_name)
    impls = hook.get_hookimpls()
    if any(i.hookwrapper or i.wrapper for i in impls):
        for result in hook(**kwargs):
            yield "", result
        return
    for impl in reversed(impls):  # pluggy calls the last registered (and tryfirst) first
        name = pm.get_name(impl.plugin) or repr(impl.plugin)
        try:
            result = impl.function(*[kwargs[arg] for arg in impl.argnames])
        except Exception as exc:
            log.exception("plugin %s: %s failed", name, hook_name)
            if strict:
                raise PluginCallFailed(name, hook_name, exc) from exc
            continue
        if result is not None:
            yield name, result
