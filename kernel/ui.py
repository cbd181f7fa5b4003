"""What plugins add to the shell's pages: scripts and styles (``page_assets``), menu links (``menu_links``).

The shell never names a plugin: it asks these hooks, and the kernel resolves each plugin's paths to its
own versioned static prefix (kernel/assets.py), since only the kernel knows which plugin answered what.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from flask import current_app

from .plugin_calls import call_each
from .relais import current_relais

log = logging.getLogger(__name__)
SCRIPT, STYLE = "script", "style"
SPACES = ("chat", "mail")


@dataclass(frozen=True)
class PageAsset:
    """A file of the plugin's ``static/`` folder added to a page: ``.js`` (an ES module) or ``.css``."""

    path: str
    order: int = 100

    def __post_init__(self) -> None:
        if self.kind is None:
            raise ValueError(f"page asset {self.path!r}: only .js (ES modules) and .css files can be added")
        if self.path.startswith("/") or ".." in self.path.split("/"):
            raise ValueError(f"page asset {self.path!r}: a path inside the plugin's static folder is expected")

    @property
    def kind(self) -> str | None:
        return SCRIPT if self.path.endswith(".js") else STYLE if self.path.endswith(".css") else None


@dataclass(frozen=True)
class ResolvedAsset:
    """A page asset with its plugin and the URL the page loads it from."""

    plugin: str
    kind: str
    url: str
    order: int


@dataclass(frozen=True)
class MenuLink:
    """A link the shell shows: in the top bar, or in one space's side navigation of the inbox.

    ``name`` becomes the link's element id (prefix it with your plugin's name). With ``count_url`` the
    page shows a badge: it GETs that URL when the page loads and reads the number under ``count_key`` of
    the JSON answer; pages with a live socket ask again after the live event types of ``count_events``.
    """

    name: str
    label: str
    url: str
    space: str | None = None  # "chat" or "mail": the inbox's side navigation of that space; None: the top bar
    section: str = ""  # a heading above the link in the side navigation ("Administration"...)
    admin: bool = False  # administrators only: the shell never shows it to anyone else
    managers: bool = False  # with ``admin``: directory managers see it too (structures, directory)
    count_url: str = ""
    count_key: str = "count"
    count_events: tuple[str, ...] = ()  # live event types that may change the count ("message.created"...)
    order: int = 100

    def __post_init__(self) -> None:
        if self.space is not None and self.space not in SPACES:
            raise ValueError(f"menu link {self.name}: space must be one of {SPACES} or None")
        if isinstance(self.count_events, str):  # ("message.created") is a string, not a tuple: a common slip
            raise ValueError(f"menu link {self.name}: count_events is a tuple of event types")
        if self.count_events and not self.count_url:
            raise ValueError(f"menu link {self.name}: count_events needs a count_url")


def page_assets(page: str, account: Any) -> list[ResolvedAsset]:
    """Every plugin's scripts and styles for ``page``, resolved to URLs, in ``order`` then plugin order.

    A plugin whose folder has no such file is logged and left out: a page must not break for it.
    """
    assets = current_app.extensions["relais_assets"]
    found: list[ResolvedAsset] = []
    for plugin, answer in call_each(current_relais().pm, "page_assets", page=page, account=account):
        for asset in answer:
            url = assets.url(plugin, asset.path)
            if url is None:
                log.error("plugin %s: page asset %s not found in its static folder", plugin, asset.path)
                continue
            found.append(ResolvedAsset(plugin, asset.kind, url, asset.order))
    return sorted(found, key=lambda a: a.order)


def menu_links(account: Any) -> list[MenuLink]:
    """Every plugin's links for ``account`` (admin links for administrators only, and directory managers for
    links marked ``managers``), sorted by ``order``.

    A count following an event type the catalogue lacks would never be asked again: logged.
    """
    if account is None:
        return []
    relais = current_relais()
    links = []
    for plugin, answer in call_each(relais.pm, "menu_links", account=account):
        for link in answer:
            unknown = [t for t in link.count_events if t not in relais.event_types]
            if unknown:
                log.error("plugin %s: menu link %s follows event types nobody declared: %s", plugin, link.name,
                          ", ".join(unknown))
            links.append(link)
    return sorted((link for link in links if not link.admin or account.is_admin
                   or (link.managers and getattr(account, "directory_manager", False))),
                  key=lambda link: (link.order, link.label))
