"""A page's live socket (web/static/js/live.js) in a real Chromium: one socket per page, shared by the shell's
and the plugins' scripts (pageLive); a node restart (close 1012) brings it back at once, without the « connexion
perdue » notice, and what was posted meanwhile appears once."""
from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from kernel.live_socket import restart_sockets
from plugins.conversation import hooks as conversation
from plugins.visio import hooks as visio
from support.factories import bearer, make_account

pytestmark = pytest.mark.browser
PLUGINS = [("conversation", conversation), ("visio", visio)]
SHOTS = "/tmp/shots/h4"


def test_one_socket_per_page_and_a_restart_loses_and_doubles_nothing(make_site, new_page, sign_in) -> None:
    site = make_site(plugins=PLUGINS)
    with site.app.app_context():
        alice = make_account("alice", "Alice", "Martin")
        bob = make_account("bob", "Bob", "Durand")
        bob_token = bearer(bob)
    client = site.app.test_client()
    created = client.post("/api/v1/channels/conversation/exchanges", headers=bob_token, json={
        "acting_as": bob.identity_id, "members": [alice.identity_id], "subject": "Redémarrage",
        "body": "Avant le redémarrage."})
    assert created.status_code == 201, created.json
    exchange_id = created.json["exchange"]["id"]

    page = new_page()
    sockets: list = []
    page.on("websocket", lambda ws: sockets.append(ws))
    sign_in(page, site, "alice", f"/echanges/{exchange_id}")
    expect(page.locator("#thread")).to_have_attribute("data-ready", "true")
    expect(page.locator("body")).to_have_attribute("data-live", "connected")
    page.wait_for_timeout(500)
    # The thread's script and the visio's banner (on every page) share the page's one socket.
    assert len([ws for ws in sockets if ws.url.endswith("/ws")]) == 1

    closed = restart_sockets(site.app.extensions["relais"])
    posted = client.post(f"/api/v1/exchanges/{exchange_id}/messages", headers=bob_token,
                         json={"body": "Pendant le redémarrage."})
    assert closed == 1 and posted.status_code == 201
    began = time.monotonic()
    expect(page.locator("#messages .msg", has_text="Pendant le redémarrage.")).to_have_count(1)
    expect(page.locator("body")).to_have_attribute("data-live", "connected")
    back_in = time.monotonic() - began
    client.post(f"/api/v1/exchanges/{exchange_id}/messages", headers=bob_token, json={"body": "Après."})
    expect(page.locator("#messages .msg", has_text="Après.")).to_have_count(1)
    page.wait_for_timeout(300)
    page.screenshot(path=f"{SHOTS}/after-restart.png")

    assert len([ws for ws in sockets if ws.url.endswith("/ws")]) == 2  # the first, then one reconnection
    assert back_in < 5
    expect(page.locator("#live-status")).to_be_hidden()
    expect(page.locator("#messages .msg", has_text="Pendant le redémarrage.")).to_have_count(1)
    expect(page.locator("#messages .msg")).to_have_count(3)
