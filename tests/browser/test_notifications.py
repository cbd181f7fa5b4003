"""Desktop notifications of new messages (issue 15, item 9), in a real Chromium: the browser is asked only from
the top bar's switch; a message by someone else notifies (who wrote, not what, unless notification_preview),
one's own never does, nor one in the exchange open on screen; a click opens its thread. The unread count
follows in the title. Notifications are recorded by wrapping the page's Notification constructor."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from support.factories import bearer, make_account

pytestmark = pytest.mark.browser

# Records each notification the page makes (title, options) and keeps it, so the test can click it.
RECORD = """
(() => {
  const Real = window.Notification;
  if (!Real) return;
  window.__notifications = [];
  class Recorded extends Real {
    constructor(title, options = {}) {
      super(title, options);
      window.__notifications.push({ title, body: options.body || "", tag: options.tag || "" });
      (window.__shown = window.__shown || []).push(this);
    }
    static get permission() { return Real.permission; }
    static requestPermission(...args) { return Real.requestPermission(...args); }
  }
  window.Notification = Recorded;
})();
"""


def chat_site(make_site, **settings):
    site = make_site(**settings)
    with site.app.app_context():
        alice = make_account("alice", "Alice", "Martin", profession="Médecin généraliste")
        bob = make_account("bob", "Bob", "Durand", profession="Infirmier")
        site.alice, site.bob = bearer(alice), bearer(bob)
    client = site.app.test_client()
    r = client.post("/api/v1/channels/test_chat/exchanges", headers=site.alice, json={
        "acting_as": alice.identity_id, "members": [bob.identity_id], "subject": "Pansement de M. Petit",
        "body": "Bonjour"})
    assert r.status_code == 201, r.json
    site.exchange_id = r.json["exchange"]["id"]
    site.post = lambda who, body: client.post(f"/api/v1/exchanges/{site.exchange_id}/messages",
                                              headers=who, json={"body": body})
    return site


def allowed_page(new_page, site):
    page = new_page()
    page.context.grant_permissions(["notifications"], origin=site.url)
    page.add_init_script(RECORD)
    return page


def notes(page):
    return page.evaluate("window.__notifications")


def connected(page):
    expect(page.locator("body")).to_have_attribute("data-live", "connected")


def test_a_message_by_another_notifies_with_who_wrote_only_and_ones_own_never(make_site, new_page, sign_in):
    site = chat_site(make_site)
    page = allowed_page(new_page, site)
    sign_in(page, site, "alice")
    connected(page)
    expect(page.locator("#notifications-switch")).to_be_hidden()  # already allowed: nothing to ask

    assert site.post(site.alice, "Écrit depuis mon téléphone").status_code == 201
    assert site.post(site.bob, "La plaie suinte, je passe ce soir").status_code == 201
    page.wait_for_function("() => window.__notifications.length >= 1")
    page.wait_for_timeout(500)  # time for a wrong one to follow
    assert notes(page) == [{"title": "Nouveau message de Bob DURAND", "body": "Ouvrez Relais Santé pour le lire.",
                            "tag": f"relais-echange-{site.exchange_id}"}]
    # The unread count in the tab's title follows.
    expect(page).to_have_title(re.compile(r"^\(1\) Boîte de réception · Relais Santé$"))

    # A click brings the window forward on the thread.
    page.evaluate("window.__shown[0].dispatchEvent(new Event('click'))")
    expect(page).to_have_url(f"{site.url}/echanges/{site.exchange_id}")
    expect(page.locator("#messages")).to_contain_text("La plaie suinte")
    connected(page)
    # The exchange on screen: its new messages are seen, not notified.
    assert site.post(site.bob, "Je confirme 18 h").status_code == 201
    expect(page.locator("#messages")).to_contain_text("Je confirme 18 h")
    page.wait_for_timeout(500)
    assert notes(page) == []  # a new page: nothing since the thread opened
    expect(page).to_have_title(re.compile(r"^Pansement de M\. Petit · Relais Santé$"))


def test_with_notification_preview_the_notification_shows_the_first_words(make_site, new_page, sign_in):
    site = chat_site(make_site, notification_preview=True)
    page = allowed_page(new_page, site)
    sign_in(page, site, "alice", "/patients")
    connected(page)
    assert site.post(site.bob, "La plaie suinte, je passe ce soir").status_code == 201
    page.wait_for_function("() => window.__notifications.length >= 1")
    assert notes(page)[0]["title"] == "Nouveau message de Bob DURAND"
    assert notes(page)[0]["body"] == "La plaie suinte, je passe ce soir"


def test_the_browser_is_asked_only_from_the_switch(make_site, new_page, sign_in, artifacts):
    site = chat_site(make_site)
    page = new_page()
    page.add_init_script(RECORD)
    sign_in(page, site, "alice")
    connected(page)
    switch = page.get_by_role("button", name="Activer les notifications")
    expect(switch).to_be_visible()
    assert page.evaluate("Notification.permission") == "default"  # the page did not ask on its own
    assert site.post(site.bob, "Avant l'autorisation").status_code == 201
    page.wait_for_timeout(500)
    assert notes(page) == []
    page.locator(".topbar").screenshot(path=artifacts / "notifications-switch.png")

    page.context.grant_permissions(["notifications"], origin=site.url)
    switch.click()
    expect(switch).to_be_hidden()
    assert site.post(site.bob, "Après l'autorisation").status_code == 201
    page.wait_for_function("() => window.__notifications.length >= 1")
    assert notes(page)[0]["title"] == "Nouveau message de Bob DURAND"


def test_what_a_notification_says_for_a_delegate_a_mail_and_files(make_site, new_page, sign_in):
    site = chat_site(make_site)
    page = new_page()
    sign_in(page, site, "alice")
    said = page.evaluate("""async () => {
        const url = document.querySelector('script[src$="/js/shell.js"]').src.replace("shell.js", "notifications.js");
        const { describe } = await import(url);
        const delegate = { kind: "text", body: "RDV confirmé", author: { id: 9, name: "Sophie LEROY" },
                           acting_as: { id: 3, name: "Dr Paul MARTIN" } };
        const mail = { kind: "mail", body: "<p>Compte <b>rendu</b>&nbsp;joint</p><script>x()</script>", author: null,
                       acting_as: null, data: { mail: { from: "cardio@chu.mssante.fr", from_name: "Dr Anne VIDAL" } } };
        const files = { kind: "text", body: "", author: { id: 2, name: "Bob DURAND" }, acting_as: null,
                        attachments: [{}, {}] };
        return [describe(delegate, false), describe(mail, true), describe(files, true)];
    }""")
    assert said == [
        {"title": "Nouveau message de Sophie LEROY pour le compte de Dr Paul MARTIN",
         "body": "Ouvrez Relais Santé pour le lire."},
        {"title": "Nouveau mail de Dr Anne VIDAL", "body": "Compte rendu joint"},
        {"title": "Nouveau message de Bob DURAND", "body": "2 pièces jointes"},
    ]
