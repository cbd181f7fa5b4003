"""A new exchange written offline on a send screen (issue 15, item 3), in a real Chromium: it waits « En attente
de connexion… » with its Idempotency-Key, survives a reload, leaves once when the connection returns, and the
user lands on its thread; exactly one exchange is created."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from kernel.models import Exchange
from support.factories import make_account
from support.offline import go_offline, wait_for_worker

pytestmark = pytest.mark.browser

SUBJECT = "Écrit dans le train"


@pytest.fixture
def people(site):
    with site.app.app_context():
        make_account("alice", "Alice", "Martin", profession="Médecin généraliste")
        make_account("bob", "Bob", "Durand", profession="Infirmier")
    return site


def exchanges(site):
    with site.app.app_context():
        return Exchange.select().where(Exchange.subject == SUBJECT).count()


def write(page):
    members = page.get_by_label("Participants")
    members.click()
    members.press_sequentially("dur")
    expect(page.locator("[data-field=members] [role=option]")).to_have_count(1)
    members.press("Enter")
    page.get_by_label("Objet").fill(SUBJECT)
    page.get_by_label("Message").fill("Pansement refait, plaie propre.")


def test_a_new_exchange_written_offline_waits_then_is_sent_once_and_opens(people, new_page, sign_in, artifacts):
    site = people
    page = new_page(service_workers="block")
    sign_in(page, site, "alice", "/envoyer/test_chat")
    write(page)
    page.context.set_offline(True)
    page.get_by_role("button", name="Envoyer").click()
    waiting = page.locator("#send-waiting")
    expect(waiting).to_contain_text("En attente de connexion…")
    expect(page.locator("#send-button")).to_have_text("En attente de connexion…")
    expect(page.locator("#send-button")).to_be_disabled()
    expect(page.locator("#form-banner")).to_be_hidden()  # not an error: it will leave by itself
    page.screenshot(path=artifacts / "offline-send-01-en-attente.png")
    assert exchanges(site) == 0

    # Reloaded while offline (the service worker gives the page back), the send is still there, still waiting.
    key = page.evaluate("JSON.parse(localStorage.getItem('relais.sendbox'))[0].key")
    page.route("**/api/v1/channels/test_chat/exchanges", lambda route: route.abort("internetdisconnected"))
    page.context.set_offline(False)  # the page back; its sends still lost on the way
    page.reload()
    expect(page.locator("#compose-form")).to_have_attribute("data-ready", "true")
    expect(waiting).to_contain_text("En attente de connexion…")
    expect(page.get_by_label("Objet")).to_have_value(SUBJECT)
    assert page.evaluate("JSON.parse(localStorage.getItem('relais.sendbox'))[0].key") == key
    assert exchanges(site) == 0

    # The connection returns: it leaves once, with its key, and the thread opens.
    sent = []
    page.unroute("**/api/v1/channels/test_chat/exchanges")
    page.on("request", lambda r: sent.append(r.headers.get("idempotency-key"))
            if r.url.endswith("/api/v1/channels/test_chat/exchanges") and r.method == "POST" else None)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page).to_have_url(re.compile(r"/echanges/\d+$"))
    expect(page.locator("#thread-subject")).to_have_text(SUBJECT)
    expect(page.locator("#messages")).to_contain_text("Pansement refait, plaie propre.")
    assert set(sent) == {key}
    assert exchanges(site) == 1
    assert page.evaluate("JSON.parse(localStorage.getItem('relais.sendbox') || '[]')") == []


def test_the_connection_back_sends_by_itself_and_a_lost_answer_is_not_a_second_exchange(
        people, new_page, sign_in):
    site = people
    page = new_page(service_workers="block")
    sign_in(page, site, "alice", "/envoyer/test_chat")
    write(page)
    lost = {"done": False}

    def lose_the_first_answer(route):
        if not lost["done"]:
            lost["done"] = True
            route.fetch()  # the server stores the exchange...
            route.abort("connectionreset")  # ...and the answer never arrives
        else:
            route.continue_()
    page.route("**/api/v1/channels/test_chat/exchanges", lose_the_first_answer)
    page.keyboard.press("Control+Enter")
    expect(page.locator("#send-waiting")).to_contain_text("En attente de connexion…")
    page.context.set_offline(True)
    page.context.set_offline(False)  # Chromium fires "online": the send leaves again, same key
    expect(page).to_have_url(re.compile(r"/echanges/\d+$"), timeout=15_000)
    assert exchanges(site) == 1


def test_a_waiting_send_can_be_taken_back_and_nothing_leaves(people, new_page, sign_in):
    site = people
    page = new_page(service_workers="block")
    sign_in(page, site, "alice", "/envoyer/test_chat")
    write(page)
    page.context.set_offline(True)
    page.get_by_role("button", name="Envoyer").click()
    page.get_by_role("button", name="Annuler l’envoi").click()
    expect(page.locator("#send-waiting")).to_be_hidden()
    expect(page.get_by_role("button", name="Envoyer")).to_be_enabled()
    page.get_by_label("Objet").fill(SUBJECT + " (corrigé)")  # the form is editable again
    page.context.set_offline(False)
    page.wait_for_timeout(1000)
    assert page.url.endswith("/envoyer/test_chat")
    assert exchanges(site) == 0


def test_a_waiting_send_leaves_from_another_page_once_the_connection_is_back(people, new_page, sign_in, artifacts):
    site = people
    page = new_page()  # the app's service worker gives the offline page
    sign_in(page, site, "alice", "/envoyer/test_chat")
    wait_for_worker(page)  # it must control this page before the network goes
    write(page)
    go_offline(page)
    page.get_by_role("button", name="Envoyer").click()
    expect(page.locator("#send-waiting")).to_contain_text("En attente de connexion…")
    page.get_by_role("link", name="Mes patients").click()  # offline: the app's offline page
    expect(page.get_by_role("heading", name="Vous êtes hors connexion")).to_be_visible()
    assert exchanges(site) == 0

    page.context.set_offline(False)
    page.get_by_role("link", name="Réessayer").click()
    expect(page).to_have_url(f"{site.url}/patients")
    notice = page.locator("#send-outbox-notice")
    expect(notice).to_contain_text("Votre envoi en attente de connexion est parti.")
    page.screenshot(path=artifacts / "offline-send-02-parti-depuis-une-autre-page.png")
    assert exchanges(site) == 1
    notice.get_by_role("link", name="Ouvrir l’échange").click()
    expect(page.locator("#thread-subject")).to_have_text(SUBJECT)
    # Gone from the browser, draft included: the send screen opens empty, and nothing leaves twice.
    page.goto(f"{site.url}/envoyer/test_chat")
    expect(page.locator("#compose-form")).to_have_attribute("data-ready", "true")
    expect(page.get_by_label("Objet")).to_have_value("")
    expect(page.locator("#send-waiting")).to_be_hidden()
    assert exchanges(site) == 1
