"""Calling a hook plugin by plugin, so one plugin that raises is isolated instead of breaking every call.

pluggy stops a hook call at the first exception. For hooks where every plugin contributes (fields,
checks, listeners, actions, panels, page files, links) one broken plugin must not deprive users of the
others, so the kernel calls each implementation itself, in pluggy's order (tryfirst/trylast respected),
and knows which plugin gave what (a page file is served from the folder of the plugin that named it).
When a plugin wraps the hook (``wrapper=True`` or ``hookwrapper=True``), each implementation is called
through pluggy with the wrappers around it alone: the wrappers still run, and names and isolation hold.
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


def _is_wrapper(impl: pluggy.HookImpl) -> bool:
    return bool(impl.hookwrapper or impl.wrapper)


def call_each(pm: pluggy.PluginManager, hook_name: str, strict: bool = False,
              **kwargs: Any) -> Iterator[tuple[str, Any]]:
    """Yield ``(plugin name, result)`` for each implementation that returned something.

    A plugin that raises is logged and skipped; with ``strict`` the failure is raised as
    PluginCallFailed after being logged (callers that must fail safe, like ``validate``).
    """
    impls = getattr(pm.hook, hook_name).get_hookimpls()
    wrapped = any(_is_wrapper(i) for i in impls)
    callers = [i for i in impls if not _is_wrapper(i)]
    done: list[object] = []
    for impl in reversed(callers):  # pluggy calls the last registered (and tryfirst) first
        if wrapped and any(impl.plugin is plugin for plugin in done):
            continue  # a plugin implementing the hook twice (specname): both ran in its first call
        done.append(impl.plugin)
        name = pm.get_name(impl.plugin) or repr(impl.plugin)
        try:
            if wrapped:
                others = [i.plugin for i in callers if i.plugin is not impl.plugin]
                results = pm.subset_hook_caller(hook_name, others)(**kwargs)
            else:
                results = [impl.function(*[kwargs[arg] for arg in impl.argnames])]
        except Exception as exc:
            log.exception("plugin %s: %s failed", name, hook_name)
            if strict:
                raise PluginCallFailed(name, hook_name, exc) from exc
            continue
        for result in results:
            if result is not None:
                yield name, result
