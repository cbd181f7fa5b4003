"""A plugin changes the shell's pages from its own folder only (tests/support/ui_demo): its inbox view, its
thread view and message look, its page and its top-bar link, through hooks and relais/extensions.js; every
shell module is loaded once, under one URL."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from support.chat_channel import ChatChannel
from support.factories import bearer, make_account
from support.ui_demo import hooks as ui_demo

pytestmark = pytest.mark.browser


def test_a_plugin_draws_its_space_its_threads_and_its_page(make_site, new_page, sign_in, artifacts):
    site = make_site(plugins=[("test_chat", ChatChannel()), ("ui_demo", ui_demo)])
    with site.app.app_context():
        alice, bob = make_account("alice", "Alice", "Martin"), make_account("bob", "Bob", "Durand")
        headers = bearer(alice)
    client = site.app.test_client()
    r = client.post("/api/v1/channels/ui_demo/exchanges", headers=headers, json={
        "acting_as": alice.identity_id, "members": [bob.identity_id], "subject": "Essai d'extension",
        "body": "Première note"})
    assert r.status_code == 201, r.json
    exchange_id = r.json["exchange"]["id"]

    page = new_page()
    modules: list[str] = []
    page.on("request", lambda request: modules.append(request.url) if request.url.endswith(".js") else None)
    sign_in(page, site, "bob")
    expect(page.locator("#inbox")).to_have_attribute("data-loaded", "true")
    # The chat space as the plugin lists it: its navigation, its tool, its rows.
    expect(page.locator("#space-nav #ui-demo-nav")).to_be_visible()
    expect(page.locator("#space-tools #ui-demo-tools")).to_be_visible()
    expect(page.locator("#exchange-list .ui-demo-row")).to_have_text("Démo : Essai d'extension")
    expect(page.locator(".topbar-links #ui_demo_page")).to_have_text(re.compile("Page de démo"))
    page.screenshot(path=artifacts / "ui-demo-01-espace.png")
    # The mail space has no view here: the shell's own list, and no side navigation.
    page.get_by_role("tab", name=re.compile("Messagerie sécurisée")).click()
    expect(page.locator("#space-nav")).to_be_hidden()
    expect(page.locator("#inbox-empty")).to_have_text("Aucun mail sécurisé pour le moment.")

    page.goto(f"{site.url}/echanges/{exchange_id}")
    expect(page.locator("#thread")).to_have_attribute("data-ready", "true")
    expect(page.locator("#ui-demo-banner")).to_have_text("Vue de démo : Essai d'extension")
    expect(page.locator("#composer")).to_be_hidden()  # the view replaces it
    expect(page.locator("#messages .ui-demo-note .ui-demo-text")).to_have_text("Note de démo : Première note")
    expect(page.locator("#messages .day-separator")).to_have_text("Aujourd'hui")
    expect(page.locator("body")).to_have_attribute("data-ui-demo-seen", "1")
    page.screenshot(path=artifacts / "ui-demo-02-fil.png")

    page.get_by_role("link", name=re.compile("Page de démo")).click()
    expect(page.locator("#ui-demo-ready")).to_have_text("Prêt")  # its script ran on the shell's dom.js
    expect(page.locator("#ui-demo-page img")).to_have_js_property("complete", True)
    assert page.locator("#ui-demo-page img").evaluate("img => img.naturalWidth") > 0
    page.screenshot(path=artifacts / "ui-demo-03-page.png")

    # One URL per module: the import map's "relais/" is the very folder the shell's modules load each other from.
    for name in ("extensions.js", "api.js", "dom.js"):
        urls = {u for u in modules if u.endswith(f"/js/{name}") and "/static/shell/" in u}
        assert len(urls) == 1, urls
    assert not [u for u in modules if "/relais/" in u]  # every bare "relais/..." import was mapped
