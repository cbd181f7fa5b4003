"""What every page's layout (base.html) needs, for the shell's pages and plugins' pages alike."""
from __future__ import annotations

from typing import Any

from flask import g

from kernel.auth import current_account
from kernel import current_relais
from kernel.ui import MenuLink, ResolvedAsset, menu_links, page_assets

from .branding import platform_name
from .send_panel import send_panel


def page_files(page: str) -> list[ResolvedAsset]:
    """The scripts and styles plugins add to ``page`` (the ``page_assets`` hook)."""
    return page_assets(page, current_account())


def links(space: str | None = None) -> list[MenuLink]:
    """The plugins' links of the top bar (``space`` None) or of one space's side navigation."""
    if "menu_links" not in g:  # the top bar and the inbox ask in one request: one round of hooks
        g.menu_links = menu_links(current_account())
    return [link for link in g.menu_links if link.space == space]


def sections(space: str) -> list[tuple[str, list[MenuLink]]]:
    """One space's links grouped by section, sections in the order of their first link."""
    grouped: dict[str, list[MenuLink]] = {}
    for link in links(space):
        grouped.setdefault(link.section, []).append(link)
    return list(grouped.items())


def layout_context() -> dict[str, Any]:
    return {"account": current_account(), "send_panel": send_panel, "page_files": page_files,
            "menu_links": links, "menu_sections": sections, "platform_name": platform_name(),
            # The browser states and checks the upload limit before a file is sent (attachments.js).
            "attachment_max_bytes": current_relais().config["attachment_max_bytes"]}
