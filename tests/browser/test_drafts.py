"""Nothing typed is lost (issue 15, items 2 and 3), in a real Chromium: a thread's message box and a send screen
come back after a reload and on another device; a message written offline waits « En attente d'envoi » and is
sent once when the connection returns."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from kernel.models import Draft, Exchange, Message
from support.factories import bearer, make_account

pytestmark = pytest.mark.browser


@pytest.fixture
def chat(site):
    with site.app.app_context():
        alice = make_account("alice", "Alice", "Martin", profession="Médecin généraliste")
        bob = make_account("bob", "Bob", "Durand", profession="Infirmier")
        headers = bearer(alice)
    r = site.app.test_client().post("/api/v1/channels/test_chat/exchanges", headers=headers, json={
        "acting_as": alice.identity_id, "members": [bob.identity_id], "subject": "Pansement", "body": "Bonjour"})
    assert r.status_code == 201, r.json
    site.exchange_id = r.json["exchange"]["id"]
    return site


def _bodies(site, exchange_id):
    with site.app.app_context():
        return [m.body for m in Message.select().where(Message.exchange == exchange_id).order_by(Message.id)]


def test_the_message_box_comes_back_after_a_reload_and_on_another_device_and_goes_once_sent(
        chat, new_page, sign_in, artifacts):
    site, path = chat, f"/echanges/{chat.exchange_id}"
    page = new_page(service_workers="block")
    sign_in(page, site, "alice", path)
    expect(page.locator("#messages")).to_contain_text("Bonjour")
    box = page.get_by_label("Votre message")
    box.fill("La plaie est propre, je repasse jeudi")
    expect(page.locator(".composer .draft-status")).to_have_text("Brouillon enregistré")
    page.reload()
    expect(box).to_have_value("La plaie est propre, je repasse jeudi")
    expect(page.locator(".composer .draft-status")).to_have_text("Brouillon repris")
    page.screenshot(path=artifacts / "drafts-01-brouillon-repris.png")

    other = new_page(service_workers="block")  # another device: its own browser, the same account
    sign_in(other, site, "alice", path)
    expect(other.get_by_label("Votre message")).to_have_value("La plaie est propre, je repasse jeudi")

    box.press("Control+Enter")
    expect(page.locator("#messages")).to_contain_text("La plaie est propre, je repasse jeudi")
    expect(box).to_have_value("")
    with site.app.app_context():
        assert Draft.select().count() == 0
    page.reload()
    expect(page.locator("#messages")).to_contain_text("La plaie est propre, je repasse jeudi")
    expect(box).to_have_value("")


def test_a_message_written_offline_waits_and_is_sent_once_when_the_connection_returns(
        chat, new_page, sign_in, artifacts):
    site, path = chat, f"/echanges/{chat.exchange_id}"
    page = new_page(service_workers="block")
    sign_in(page, site, "alice", path)
    expect(page.locator("#messages")).to_contain_text("Bonjour")
    page.context.set_offline(True)
    box = page.get_by_label("Votre message")
    box.fill("Écrit dans l'ascenseur, sans réseau")
    box.press("Control+Enter")
    pending = page.locator(".outbox-item")
    expect(pending).to_have_count(1)
    expect(pending).to_contain_text("Écrit dans l'ascenseur, sans réseau")
    expect(pending.locator(".outbox-state")).to_have_text("En attente d'envoi")
    expect(box).to_have_value("")
    page.screenshot(path=artifacts / "drafts-02-en-attente-d-envoi.png")
    assert _bodies(site, site.exchange_id) == ["Bonjour"]

    page.context.set_offline(False)
    expect(pending).to_have_count(0, timeout=20_000)
    expect(page.locator("#messages")).to_contain_text("Écrit dans l'ascenseur, sans réseau")
    page.screenshot(path=artifacts / "drafts-03-envoye.png")
    # Once: the next retries (the timer, another "online") find nothing waiting, and a reload shows one message.
    page.reload()
    expect(page.locator("#messages")).to_contain_text("Écrit dans l'ascenseur, sans réseau")
    expect(page.locator(".outbox-item")).to_have_count(0)
    assert _bodies(site, site.exchange_id) == ["Bonjour", "Écrit dans l'ascenseur, sans réseau"]


def test_a_send_retried_after_a_lost_answer_is_stored_once(chat, new_page, sign_in):
    """The server stored the message but its answer was lost: the browser sends again with the same key."""
    site, path = chat, f"/echanges/{chat.exchange_id}"
    page = new_page(service_workers="block")
    sign_in(page, site, "alice", path)
    expect(page.locator("#messages")).to_contain_text("Bonjour")
    lost = {"done": False}

    def lose_the_first_answer(route):
        if not lost["done"] and route.request.method == "POST":
            lost["done"] = True
            route.fetch()  # reaches the server, which stores the message...
            route.abort("connectionreset")  # ...but the browser never hears back
        else:
            route.continue_()
    page.route(f"**/api/v1/exchanges/{site.exchange_id}/messages", lose_the_first_answer)
    box = page.get_by_label("Votre message")
    box.fill("Réponse perdue en route")
    box.press("Control+Enter")
    expect(page.locator(".outbox-item")).to_have_count(1)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator(".outbox-item")).to_have_count(0)
    expect(page.locator("#messages > li[id^=message-]")).to_have_count(2)
    assert _bodies(site, site.exchange_id) == ["Bonjour", "Réponse perdue en route"]


def test_a_send_screen_comes_back_with_its_people_patient_files_and_text_then_goes_once_sent(
        chat, new_page, sign_in, picture, artifacts):
    site = chat
    with site.app.app_context():
        from support.factories import make_patient
        from kernel.models import Account
        make_patient(in_care_of=Account.get(Account.login == "alice"))
    page = new_page(service_workers="block")
    sign_in(page, site, "alice", "/envoyer/test_chat")
    members = page.get_by_label("Participants")
    members.click()
    members.press_sequentially("dur")
    expect(page.locator("[data-field=members] [role=option]")).to_have_count(1)
    members.press("Enter")
    patient = page.get_by_label("Patient", exact=True)
    patient.click()
    patient.press_sequentially("repap")
    page.locator("[data-field=patient] [role=option]", has_text="Cecilia REPAP TEST").click()
    # The channel proposes the patient's name as the subject: once it is there, typed over (a fill racing the
    # proposal would put its text after the name, as no person types).
    expect(page.get_by_label("Objet")).to_have_value("Cecilia REPAP TEST")
    page.get_by_label("Objet").fill("Plaie du pied droit")
    page.locator("[data-attachments-input]").set_input_files(files=[
        {"name": "photo-plaie.png", "mimeType": "image/png", "buffer": picture()}])
    expect(page.locator("[data-field=attachments] .attachment-item[data-id]")).to_have_count(1)
    page.get_by_label("Message").fill("Pouvez-vous passer demain ?")
    expect(page.locator(".draft-status")).to_have_text("Brouillon enregistré")

    def looks_as_typed(screen):
        expect(screen.locator(".draft-status")).to_have_text("Brouillon repris")
        expect(screen.locator("[data-field=members] .chip")).to_have_text([re.compile("Bob DURAND")])
        expect(screen.locator("[data-field=patient] .chip")).to_contain_text("Cecilia REPAP TEST")
        expect(screen.get_by_label("Objet")).to_have_value("Plaie du pied droit")
        expect(screen.get_by_label("Message")).to_have_value("Pouvez-vous passer demain ?")
        expect(screen.locator("[data-field=attachments] .attachment-item[data-id]")).to_have_text(
            [re.compile("photo-plaie.png")])

    page.reload()
    expect(page.locator("#compose-form")).to_have_attribute("data-ready", "true")
    looks_as_typed(page)
    page.screenshot(path=artifacts / "drafts-04-ecran-d-envoi-repris.png")
    other = new_page(service_workers="block")  # another device
    sign_in(other, site, "alice", "/envoyer/test_chat")
    looks_as_typed(other)

    page.get_by_role("button", name="Envoyer").click()
    expect(page).to_have_url(re.compile(r"/echanges/\d+$"))
    expect(page.locator("#thread-subject")).to_have_text("Plaie du pied droit")
    with site.app.app_context():
        assert Draft.select().count() == 0
        assert Exchange.select().where(Exchange.subject == "Plaie du pied droit").count() == 1
    page.goto(f"{site.url}/envoyer/test_chat")
    expect(page.locator("#compose-form")).to_have_attribute("data-ready", "true")
    expect(page.get_by_label("Objet")).to_have_value("")
    expect(page.locator(".draft-status")).to_have_text("")


def test_what_waits_in_a_shared_browser_is_never_shown_to_nor_sent_by_another_account(chat, new_page, sign_in):
    site, path = chat, f"/echanges/{chat.exchange_id}"
    page = new_page(service_workers="block")
    sign_in(page, site, "alice", path)
    expect(page.locator("#messages")).to_contain_text("Bonjour")
    # The network drops every send of this page (a flaky connection) until told otherwise.
    page.route(f"**/api/v1/exchanges/{site.exchange_id}/messages",
               lambda route: route.abort("internetdisconnected") if route.request.method == "POST" else route.continue_())
    box = page.get_by_label("Votre message")
    box.fill("Message d'Alice resté en attente")
    box.press("Control+Enter")
    expect(page.locator(".outbox-item")).to_have_count(1)
    # Her session ends without a logout (it expired; a logout would warn, then remove what waits:
    # test_logout_forgets.py): what waits stays hers.
    page.context.clear_cookies()
    page.unroute(f"**/api/v1/exchanges/{site.exchange_id}/messages")

    sign_in(page, site, "bob", path)  # the same browser, another person
    expect(page.locator("#messages")).to_contain_text("Bonjour")
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator(".outbox-item")).to_have_count(0)
    page.wait_for_timeout(500)
    assert _bodies(site, site.exchange_id) == ["Bonjour"]
    page.get_by_role("button", name="Se déconnecter").click()

    sign_in(page, site, "alice", path)  # Alice back: hers leaves, as hers
    expect(page.locator(".outbox-item")).to_have_count(0)
    expect(page.locator("#messages")).to_contain_text("Message d'Alice resté en attente")
    with site.app.app_context():
        from kernel.models import Account
        [message] = Message.select().where(Message.body == "Message d'Alice resté en attente")
        assert message.author_id == Account.get(Account.login == "alice").id


def test_a_screen_with_no_draft_is_opened_calmly(chat, new_page, sign_in):
    """Nothing to take back is the ordinary case: the server says so with 204, and the browser's console stays
    clean (a 404 there on every send screen and thread looked like a fault to whoever opened the console)."""
    site = chat
    page = new_page(service_workers="block")
    console, answers = [], []
    page.on("console", lambda msg: console.append(msg.text) if msg.type == "error" else None)
    page.on("response", lambda r: answers.append(r.status) if "/api/v1/drafts/" in r.url else None)
    sign_in(page, site, "alice", "/envoyer/test_chat")
    page.goto(site.url + f"/echanges/{site.exchange_id}")
    expect(page.locator("#messages")).to_contain_text("Bonjour")
    expect(page.get_by_label("Votre message")).to_have_value("")
    page.wait_for_function("() => document.querySelector('.composer .draft-status') !== null")
    for _ in range(50):  # both screens' draft reads answered
        if len(answers) >= 2:
            break
        page.wait_for_timeout(100)
    assert answers == [204, 204], answers
    assert console == []


def test_a_screen_opened_about_a_patient_keeps_a_draft_only_of_what_was_typed(chat, new_page, sign_in):
    """« Écrire au sujet de ce patient » opens /envoyer/<canal>?patient=<id>: the patient the link gave is not
    typing (opened and left, no draft stays behind), and the screen's own draft comes back on return."""
    site = chat
    with site.app.app_context():
        from kernel.models import Account
        from support.factories import make_patient
        patient = make_patient(in_care_of=Account.get(Account.login == "alice"))
    path = f"/envoyer/test_chat?patient={patient.id}"
    page = new_page(service_workers="block")
    sign_in(page, site, "alice", path)
    expect(page.locator("[data-field=patient] .chip")).to_contain_text("Cecilia REPAP TEST")
    expect(page.get_by_label("Objet")).to_have_value("Cecilia REPAP TEST")  # the channel's proposal
    page.wait_for_timeout(1500)  # past the drafts' typing pause
    expect(page.locator(".draft-status")).to_have_text("")
    with site.app.app_context():
        assert Draft.select().count() == 0

    page.get_by_label("Message").fill("Pansement à refaire jeudi.")
    expect(page.locator(".draft-status")).to_have_text("Brouillon enregistré")
    with site.app.app_context():
        assert [d.screen for d in Draft.select()] == [f"channel:test_chat:patient:{patient.id}"]
    page.reload()
    expect(page.locator("#compose-form")).to_have_attribute("data-ready", "true")
    expect(page.locator(".draft-status")).to_have_text("Brouillon repris")
    expect(page.get_by_label("Message")).to_have_value("Pansement à refaire jeudi.")
    expect(page.locator("[data-field=patient] .chip")).to_contain_text("Cecilia REPAP TEST")
