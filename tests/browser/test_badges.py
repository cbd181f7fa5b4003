"""The badges of plugins' links (menu_links, count_url) in a real Chromium: each count URL asked once when a
page loads, then again only after the live events its link names, once per burst of them."""
from __future__ import annotations

import re
import threading
import time

import pytest
from flask import Blueprint, jsonify
from playwright.sync_api import expect

from kernel import MenuLink, current_account, hookimpl
from kernel.models import Exchange, Membership
from support.chat_channel import ChatChannel
from support.factories import bearer, make_account

pytestmark = pytest.mark.browser


class BadgeDemo:
    """Two links on one count ("exchanges of yours", followed on message.created), one on a fixed count."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.lock = threading.Lock()

    def times(self, path: str) -> int:
        with self.lock:
            return self.asked.count(path)

    @hookimpl
    def register_blueprints(self):
        bp = Blueprint("badge_demo", __name__, url_prefix="/badge_demo")

        @bp.get("/fils")
        def threads():
            with self.lock:
                self.asked.append("fils")
            mine = (Membership.select().join(Exchange)
                    .where(Membership.identity == current_account().identity_id).count())
            return jsonify(fils=mine)

        @bp.get("/fixe")
        def fixed():
            with self.lock:
                self.asked.append("fixe")
            return jsonify(count=7)

        return [bp]

    @hookimpl
    def menu_links(self):
        followed = dict(count_url="/badge_demo/fils", count_key="fils", count_events=("message.created",))
        return [MenuLink("badge_demo_top", "Mes fils", "/", **followed, order=10),
                MenuLink("badge_demo_side", "Mes fils (côté)", "/", space="chat", section="Démo", **followed),
                MenuLink("badge_demo_fixed", "Fixe", "/", count_url="/badge_demo/fixe", order=20)]


def quiet(seconds: float = 1.0) -> None:
    """Longer than a burst's wait (badges.js): any request it would send has been sent."""
    time.sleep(seconds)


def test_badges_are_asked_once_then_after_their_events_only(make_site, new_page, sign_in, artifacts):
    demo = BadgeDemo()
    site = make_site(plugins=[("test_chat", ChatChannel()), ("badge_demo", demo)])
    with site.app.app_context():
        alice, bob = make_account("alice", "Alice", "Martin"), make_account("bob", "Bob", "Durand")
        alice_headers = bearer(alice)
    page = new_page()
    sign_in(page, site, "bob")
    expect(page.locator("#inbox")).to_have_attribute("data-loaded", "true")
    expect(page.locator("body")).to_have_attribute("data-live", "connected")
    expect(page.locator("#badge_demo_fixed .count")).to_have_text("7")
    expect(page.locator("#badge_demo_top .count")).to_be_hidden()  # no thread yet: zero hides it
    quiet()
    # Loading the inbox: each URL once, though two links share one and the list refreshed on connecting.
    assert (demo.times("fils"), demo.times("fixe")) == (1, 1)

    # A new exchange: exchange.created and message.created in one burst, one request for both links.
    client = site.app.test_client()
    r = client.post("/api/v1/channels/test_chat/exchanges", headers=alice_headers, json={
        "acting_as": alice.identity_id, "members": [bob.identity_id], "subject": "Badge", "body": "Bonjour"})
    assert r.status_code == 201, r.json
    exchange_id = r.json["exchange"]["id"]
    expect(page.locator("#badge_demo_top .count")).to_have_text("1")
    expect(page.locator("#badge_demo_side .count")).to_have_text("1")
    quiet()
    assert (demo.times("fils"), demo.times("fixe")) == (2, 1)
    page.screenshot(path=artifacts / "badges-01-apres-message.png")

    # An event no link follows (exchange.updated): the list refreshes, no count is asked.
    with page.expect_request(lambda request: "/api/v1/exchanges?space=" in request.url):
        r = client.patch(f"/api/v1/exchanges/{exchange_id}", headers=alice_headers, json={"status": "clos"})
        assert r.status_code == 200, r.json
    quiet()
    assert (demo.times("fils"), demo.times("fixe")) == (2, 1)

    # Several messages at once: one request for the burst.
    for body in ("Un", "Deux", "Trois"):
        client.post(f"/api/v1/exchanges/{exchange_id}/messages", headers=alice_headers,
                    json={"acting_as": alice.identity_id, "body": body})
    quiet()
    assert demo.times("fils") == 3

    # A thread page follows the top bar's badge too; a page without a socket (a send screen) only loads it.
    page.goto(f"{site.url}/echanges/{exchange_id}")
    expect(page.locator("#thread")).to_have_attribute("data-ready", "true")
    expect(page.locator("#badge_demo_top .count")).to_have_text("1")
    quiet()
    assert demo.times("fils") == 4 and demo.times("fixe") == 2
    page.goto(f"{site.url}/envoyer/test_chat")
    expect(page.locator("#badge_demo_fixed .count")).to_have_text("7")
    quiet()
    assert demo.times("fils") == 5 and demo.times("fixe") == 3
    assert re.fullmatch(r"\d+", page.locator("#badge_demo_top .count").inner_text())
