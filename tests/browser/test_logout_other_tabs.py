"""A logout in one tab ends the account's session in all its tabs: the others are told (localStorage's
"storage" event), forget what this browser keeps of the account as the logout does, keep nothing more (a
draft typed or a reply sent without a connection there is not written back), and go to the login page,
where signing in again brings the user back to where they were."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from browser.test_logout_forgets import ready, seed, storage
from support.factories import PASSWORD, bearer, make_account

pytestmark = pytest.mark.browser
OFFLINE_DRAFT = {"fields": {"subject": "Gardé hors connexion"}, "attachments": []}


@pytest.fixture
def chat(site):
    with site.app.app_context():
        alice = make_account("alice", "Alice", "Martin", profession="Médecin généraliste")
        bob = make_account("bob", "Bob", "Durand", profession="Infirmier")
        headers = bearer(alice)
    r = site.app.test_client().post("/api/v1/channels/test_chat/exchanges", headers=headers, json={
        "acting_as": alice.identity_id, "members": [bob.identity_id], "subject": "Pansement", "body": "Bonjour"})
    assert r.status_code == 201, r.json
    return site, alice.id, bob.id, r.json["exchange"]["id"]


def told(page) -> None:
    expect(page.locator("html")).to_have_attribute("data-logged-out-elsewhere", "true")


def test_the_other_tabs_leave_for_the_login_page_and_come_back_after_signing_in(chat, new_page, sign_in):
    site, alice, bob, exchange_id = chat
    first = new_page()
    sign_in(first, site, "alice", "/")
    ready(first)
    second = first.context.new_page()  # another tab of the same browser: the same session
    second.goto(site.url + "/envoyer/test_chat")
    expect(second.locator("#compose-form")).to_have_attribute("data-ready", "true")
    ready(second)
    second.get_by_label("Objet").fill("Pansement du pied")
    # Saved before the logout: a request of another tab still under way when the session ends is answered
    # with an emptied cookie, which may take the logging-out tab's « Vous êtes déconnecté. » (kernel/auth).
    expect(second.locator(".draft-status")).to_have_text("Brouillon enregistré")
    third = first.context.new_page()
    third.goto(site.url + f"/echanges/{exchange_id}")
    expect(third.locator("#messages")).to_contain_text("Bonjour")
    ready(third)
    seed(first, {f"relais.draft.{bob}.channel:test_chat": OFFLINE_DRAFT})

    first.get_by_role("button", name="Se déconnecter").click()

    expect(first).to_have_url(re.compile(r"/login$"))
    expect(first.get_by_text("Vous êtes déconnecté.")).to_be_visible()  # not taken by another tab's request
    expect(second).to_have_url(site.url + "/login?next=%2Fenvoyer%2Ftest_chat")
    expect(third).to_have_url(site.url + f"/login?next=%2Fechanges%2F{exchange_id}")
    assert f"relais.draft.{bob}.channel:test_chat" in storage(second)  # another account's stays theirs
    assert not [key for key in storage(second) if key.startswith(f"relais.draft.{alice}.")]

    third.get_by_label("Identifiant").fill("alice")
    third.get_by_label("Mot de passe").fill(PASSWORD)
    third.get_by_role("button", name="Se connecter").click()
    expect(third).to_have_url(site.url + f"/echanges/{exchange_id}")


def test_a_tab_told_of_the_logout_keeps_nothing_more_in_this_browser(chat, new_page, sign_in):
    """Between the news and the server's confirmation (the logout on its way, or no connection), what the tab
    would keep offline is not written back to the shared workstation's storage."""
    site, alice, bob, exchange_id = chat
    first = new_page(service_workers="block")
    sign_in(first, site, "alice", "/")
    ready(first)
    thread = first.context.new_page()
    thread.goto(site.url + f"/echanges/{exchange_id}")
    expect(thread.locator("#messages")).to_contain_text("Bonjour")
    ready(thread)
    screen = first.context.new_page()
    screen.goto(site.url + "/envoyer/test_chat")
    expect(screen.locator("#compose-form")).to_have_attribute("data-ready", "true")
    ready(screen)
    # These two tabs lost the connection: their sends and drafts fail, and they cannot hear the server yet.
    for page in (thread, screen):
        page.route("**/api/v1/me", lambda route: route.abort("internetdisconnected"))
        page.route("**/api/v1/drafts/**", lambda route: route.abort("internetdisconnected"))
    thread.route("**/api/v1/exchanges/*/messages", lambda route: route.abort("internetdisconnected"))

    first.get_by_role("button", name="Se déconnecter").click()
    expect(first).to_have_url(re.compile(r"/login$"))
    told(thread)
    told(screen)

    screen.get_by_label("Objet").fill("Écrit après la déconnexion")
    expect(screen.locator("#compose-form")).to_have_attribute("data-ready", "true")
    box = thread.get_by_label("Votre message")
    box.fill("Réponse écrite après la déconnexion")
    box.press("Control+Enter")
    expect(thread.locator(".composer .field-error")).to_contain_text("n’a pas pu être gardé dans ce navigateur")
    expect(box).to_have_value("Réponse écrite après la déconnexion")  # not lost from the screen either
    screen.wait_for_timeout(1500)  # past the drafts' typing pause: their save was tried, and refused here
    left = storage(screen)
    assert "relais.outbox" not in left
    assert not [key for key in left if key.startswith(f"relais.draft.{alice}.")], left

    # The connection is back: the server says the session ended, the tabs go to the login page.
    for page in (thread, screen):
        page.unroute("**/api/v1/me")
    expect(screen).to_have_url(site.url + "/login?next=%2Fenvoyer%2Ftest_chat")
    expect(thread).to_have_url(site.url + f"/login?next=%2Fechanges%2F{exchange_id}")
