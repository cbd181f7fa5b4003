"""The "ui_demo" test plugin: a channel whose threads and chat list it draws itself (relais/extensions.js),
a page of its own in the shell's layout, and a top-bar link. Everything it shows comes from its folder."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template

from kernel import GROUP_MONSISRA, Channel, FormField, MenuLink, PageAsset, current_account, hookimpl

CHANNEL = "ui_demo"
PAGE = "ui_demo.page"
NOTE_KIND = "ui_demo_note"
ASSETS = {"inbox": ["js/inbox_view.js", "css/ui_demo.css"], "thread": ["js/thread_view.js", "css/ui_demo.css"],
          PAGE: ["js/page.js", "css/ui_demo.css"]}


def _blueprint() -> Blueprint:
    bp = Blueprint("ui_demo", __name__, url_prefix="/ui_demo")

    @bp.get("/page")
    def page() -> Any:
        if current_account() is None:
            abort(401)
        return render_template("ui_demo/page.html", page=PAGE)

    return bp


@hookimpl
def register_channels() -> list[Channel]:
    return [Channel(CHANNEL, "Démarrer une démo", GROUP_MONSISRA, "chat", order=95)]


@hookimpl
def compose_form(channel: str) -> list[FormField]:
    if channel != CHANNEL:
        return []
    return [FormField("members", "person", "Participants", required=True, many=True, order=10),
            FormField("subject", "text", "Objet", required=True, order=30),
            FormField("body", "message", "Message", order=40)]


@hookimpl
def deliver(channel: str, message: Any) -> bool | None:
    if channel != CHANNEL:
        return None
    if message is not None:  # a kind of its own: the thread draws it with this plugin's renderer
        message.kind = NOTE_KIND
        message.save(only=[type(message).kind])
    return True


@hookimpl
def register_blueprints() -> list[Blueprint]:
    return [_blueprint()]


@hookimpl
def page_assets(page: str) -> list[PageAsset]:
    return [PageAsset(path) for path in ASSETS.get(page, [])]


@hookimpl
def menu_links() -> list[MenuLink]:
    return [MenuLink("ui_demo_page", "Page de démo", "/ui_demo/page")]
