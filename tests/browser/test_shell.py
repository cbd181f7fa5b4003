"""The web shell in a real Chromium against a live server: two professionals talking, live."""
from __future__ import annotations

import re
import struct
import zlib

import pytest
from playwright.sync_api import expect

from kernel import ExchangeAction, ExchangePanel, hookimpl
from support.chat_channel import ChatChannel
from support.factories import PASSWORD, bearer, make_account, make_patient, make_structure

pytestmark = pytest.mark.browser



def png(width: int = 240, height: int = 160) -> bytes:
    """A small gradient picture, enough for a real thumbnail."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + bytes(v for x in range(width) for v in (200 - y // 2, 120 + x // 4, 140))
                    for y in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def sign_in(page, site, login, next_path="/"):
    page.goto(site.url + next_path)
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("Identifiant").fill(login)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(site.url + next_path)


def test_two_professionals_start_and_continue_a_conversation(site, new_page, artifacts):
    with site.app.app_context():
        alice = make_account("alice", "Alice", "Martin", profession="Médecin généraliste")
        make_account("bob", "Bob", "Durand", profession="Infirmier")
        make_account("claire", "Claire", "Petit", profession="Cardiologue")
        make_patient(in_care_of=alice)
    alice, bob = new_page(), new_page()
    sign_in(alice, site, "alice")
    sign_in(bob, site, "bob")
    expect(bob.locator("#inbox")).to_have_attribute("data-loaded", "true")
    expect(bob.locator("body")).to_have_attribute("data-live", "connected")
    expect(bob.locator("#inbox-empty")).to_contain_text("Aucune conversation")

    # The "+" panel, then the channel's single screen.
    alice.get_by_text("Nouveau", exact=False).first.click()
    expect(alice.locator(".send-group-title").first).to_have_text("Relais Santé")
    alice.get_by_role("link", name="Démarrer une conversation").click()
    form = alice.locator("#compose-form")
    expect(form).to_have_attribute("data-ready", "true")
    expect(alice.get_by_label("Agir en tant que")).to_have_value("0")

    # An empty form is refused, each message at its field.
    alice.get_by_role("button", name="Envoyer").click()
    expect(alice.locator("[data-field=members] .field-error")).to_have_text("Choisissez au moins une personne.")
    expect(alice.locator("[data-field=subject] .field-error")).to_have_text("Ce champ est obligatoire.")
    expect(alice.locator("#form-banner")).to_be_visible()
    expect(alice).to_have_url(re.compile(r"/envoyer/test_chat$"))
    alice.screenshot(path=artifacts / "01-formulaire-erreurs.png")

    # Members through the directory picker, with the keyboard.
    members = alice.get_by_label("Participants")
    members.click()
    members.press_sequentially("dur")
    options = alice.locator("[data-field=members] [role=option]")
    expect(options).to_have_count(1)
    expect(options).to_have_text(re.compile("Bob DURAND"))
    expect(alice.locator("[data-field=members] .picker-group-label").first).to_have_text("PROFESSIONNELS")
    alice.screenshot(path=artifacts / "02-annuaire.png")
    members.press("Enter")
    expect(alice.locator("[data-field=members] .chip")).to_have_text(re.compile("Bob DURAND"))
    expect(alice.locator("[data-field=members] .field-error")).to_be_hidden()

    # Choosing the patient fills the empty subject with the patient's name.
    patient = alice.get_by_label("Patient", exact=True)
    patient.click()
    patient.press_sequentially("repap")
    alice.locator("[data-field=patient] [role=option]", has_text="Cecilia REPAP TEST").click()
    expect(alice.get_by_label("Objet")).to_have_value("Cecilia REPAP TEST")
    alice.get_by_label("Objet").fill("Plaie du pied droit")
    alice.locator("[data-attachments-input]").set_input_files(files=[
        {"name": "photo-plaie.png", "mimeType": "image/png", "buffer": png()},
        {"name": "Compte-rendu opératoire.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%test\n"}])
    expect(alice.locator("[data-field=attachments] .attachment-item[data-id]")).to_have_count(2)
    body = alice.get_by_label("Message")
    body.fill("Bonjour,\npouvez-vous passer voir Mme REPAP demain ?")
    alice.screenshot(path=artifacts / "03-formulaire-rempli.png")
    body.press("Control+Enter")

    expect(alice).to_have_url(re.compile(r"/echanges/\d+$"))
    expect(alice.locator("#thread")).to_have_attribute("data-ready", "true")
    expect(alice.locator("#thread-subject")).to_have_text("Plaie du pied droit")
    expect(alice.locator("#thread-patient")).to_contain_text("Cecilia REPAP TEST (née REPAP TEST) née le 27/03/1901")
    expect(alice.locator("#thread-members")).to_contain_text("Bob DURAND")
    first = alice.locator("#messages .msg").first
    expect(first.locator(".msg-body")).to_have_text("Bonjour,\npouvez-vous passer voir Mme REPAP demain ?")
    expect(first.locator(".thumb img")).to_have_attribute("alt", "photo-plaie.png")
    expect(first.locator(".file-link")).to_have_text("Compte-rendu opératoire.pdf")
    exchange_url = alice.url

    # Bob's inbox shows it without reloading, unread.
    row = bob.locator("#exchange-list .exchange", has_text="Plaie du pied droit")
    expect(row).to_be_visible()
    expect(row.locator(".badge")).to_have_text("1")
    expect(row).to_contain_text("Cecilia REPAP TEST")
    expect(row).to_contain_text("Alice MARTIN")
    expect(bob.locator("[data-tab=chat] .count")).to_have_text("1")
    expect(bob.locator("[data-tab=mail] .count")).to_be_hidden()
    bob.screenshot(path=artifacts / "04-boite-de-reception-bob.png")

    row.locator(".exchange-subject").click()
    expect(bob).to_have_url(exchange_url)
    expect(bob.locator("#messages .msg")).to_have_count(1)
    expect(bob.locator("#messages .msg .msg-author")).to_have_text("Alice MARTIN")
    # Alice learns live that Bob saw her message.
    expect(alice.locator(".msg-mine .receipt-toggle")).to_have_text("Vu par Bob DURAND")

    reply = bob.get_by_label("Votre message")
    reply.fill("Bonjour, je passe demain matin.")
    reply.press("Control+Enter")
    expect(bob.locator("#messages .msg")).to_have_count(2)
    expect(reply).to_have_value("")

    # Alice sees the reply arrive, once, without reloading.
    expect(alice.locator("#messages .msg", has_text="je passe demain matin")).to_have_count(1)
    expect(alice.locator("#messages .msg")).to_have_count(2)
    expect(bob.locator("body")).to_have_attribute("data-live", "connected")
    alice.screenshot(path=artifacts / "05-fil-alice.png")
    bob.screenshot(path=artifacts / "06-fil-bob.png")


def test_thread_pages_back_shows_delegation_system_lines_and_catches_up_after_reconnecting(
        site, new_page, artifacts):
    with site.app.app_context():
        alice = make_account("alice", "Alice", "Martin")
        bob = make_account("bob", "Bob", "Durand")
        repap = make_structure("Coordination REPAP", delegates=(alice,))
        alice_headers, bob_headers = bearer(alice), bearer(bob)
    client = site.app.test_client()
    r = client.post("/api/v1/channels/test_chat/exchanges", headers=alice_headers, json={
        "acting_as": repap.id, "members": [bob.identity_id], "subject": "Sortie d'hospitalisation",
        "body": "Message 0"})
    exchange_id = r.json["exchange"]["id"]
    for n in range(1, 55):
        client.post(f"/api/v1/exchanges/{exchange_id}/messages", headers=alice_headers,
                    json={"body": f"Message {n}", "acting_as": repap.id})
    client.patch(f"/api/v1/exchanges/{exchange_id}", headers=alice_headers, json={"subject": "Retour à domicile"})

    page = new_page()
    sockets = []
    page.route_web_socket(re.compile(r"/ws$"), lambda ws: sockets.append(ws) or ws.connect_to_server())
    sign_in(page, site, "bob", f"/echanges/{exchange_id}")
    expect(page.locator("#thread")).to_have_attribute("data-ready", "true")
    expect(page.locator("#thread-subject")).to_have_text("Retour à domicile")
    # The latest page first; older messages on demand, in order.
    expect(page.locator("#messages .msg")).to_have_count(49)
    expect(page.locator(".msg-system")).to_contain_text("Alice MARTIN pour le compte de Coordination REPAP a renommé l'échange en « Retour à domicile ».")
    expect(page.locator(".msg").first.locator(".msg-behalf")).to_have_text("pour le compte de Coordination REPAP")
    page.get_by_role("button", name="Voir les messages précédents").click()
    expect(page.locator("#messages .msg")).to_have_count(55)
    expect(page.locator("#messages .msg").first.locator(".msg-body")).to_have_text("Message 0")
    expect(page.get_by_role("button", name="Voir les messages précédents")).to_be_hidden()
    expect(page.locator("body")).to_have_attribute("data-live", "connected")

    # The socket drops; a message is written meanwhile; the page reconnects and catches up, once.
    sockets[-1].close()
    expect(page.locator("body")).to_have_attribute("data-live", "disconnected")
    client.post(f"/api/v1/exchanges/{exchange_id}/messages", headers=alice_headers,
                json={"body": "Écrit pendant la coupure"})
    expect(page.locator("#messages .msg", has_text="Écrit pendant la coupure")).to_have_count(1)
    expect(page.locator("body")).to_have_attribute("data-live", "connected")
    assert len(sockets) >= 2
    client.post(f"/api/v1/exchanges/{exchange_id}/messages", headers=alice_headers, json={"body": "Et après"})
    expect(page.locator("#messages .msg", has_text="Et après")).to_have_count(1)
    expect(page.locator("#messages .msg")).to_have_count(57)
    page.get_by_role("button", name="Nouveaux messages").click()
    page.screenshot(path=artifacts / "07-fil-pagine-reconnecte.png")


def test_chat_and_mail_live_in_separate_tabs(site, new_page):
    with site.app.app_context():
        alice, bob = make_account("alice", "Alice", "Martin"), make_account("bob", "Bob", "Durand")
        headers = bearer(alice)
    client = site.app.test_client()
    for channel, subject in (("test_chat", "Avis sur ECG"), ("test_mail", "Courrier de sortie")):
        r = client.post(f"/api/v1/channels/{channel}/exchanges", headers=headers, json={
            "acting_as": alice.identity_id, "members": [bob.identity_id], "subject": subject, "body": "Bonjour"})
        assert r.status_code == 201, r.json

    page = new_page()
    sign_in(page, site, "bob")
    rows = page.locator("#exchange-list .exchange-subject")
    expect(rows).to_have_text(["Avis sur ECG"])
    expect(page.locator("[data-tab=chat] .count")).to_have_text("1")
    expect(page.locator("[data-tab=mail] .count")).to_have_text("1")
    page.get_by_role("tab", name=re.compile("Messagerie sécurisée")).click()
    expect(rows).to_have_text(["Courrier de sortie"])
    expect(page).to_have_url(site.url + "/?espace=mail")
    expect(page.get_by_role("tab", name=re.compile("Messagerie sécurisée"))).to_have_attribute("aria-selected", "true")
    page.reload()
    expect(rows).to_have_text(["Courrier de sortie"])


class Closer:
    """A plugin with a panel (the exchange's status) and an action (close it) on every thread."""

    @hookimpl
    def register_blueprints(self):
        from flask import Blueprint, jsonify

        from kernel.models import Exchange

        blueprint = Blueprint("closer", __name__, url_prefix="/closer")

        @blueprint.post("/<int:exchange_id>")
        def close(exchange_id):
            Exchange.update(status="closed").where(Exchange.id == exchange_id).execute()
            return jsonify(closed=True)
        return [blueprint]

    @hookimpl
    def exchange_actions(self, exchange, account):
        return [ExchangeAction("close", "Clôturer", f"/closer/{exchange.id}", confirm="Clôturer cet échange ?")]

    @hookimpl
    def exchange_panels(self, exchange, account):
        closed = exchange.status == "closed"
        return [ExchangePanel("status", "Échange clôturé" if closed else "Échange en cours",
                              level="success" if closed else "info")]


def test_plugin_panels_and_actions_on_a_thread(make_site, new_page):
    site = make_site(plugins=[("test_chat", ChatChannel()), ("closer", Closer())])
    with site.app.app_context():
        alice, bob = make_account("alice", "Alice", "Martin"), make_account("bob", "Bob", "Durand")
        headers = bearer(alice)
    r = site.app.test_client().post("/api/v1/channels/test_chat/exchanges", headers=headers, json={
        "acting_as": alice.identity_id, "members": [bob.identity_id], "subject": "Suivi", "body": "Bonjour"})
    page = new_page()
    sign_in(page, site, "bob", f"/echanges/{r.json['exchange']['id']}")
    panel = page.locator("[data-panel=status]")
    expect(panel).to_have_text("Échange en cours")
    dialogs = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message) or dialog.accept())
    page.get_by_role("button", name="Clôturer").click()  # a POST: it passes only with the CSRF header
    expect(panel).to_have_text("Échange clôturé")
    expect(panel).to_have_class(re.compile("banner-success"))
    assert dialogs == ["Clôturer cet échange ?"]
