"""The conversation plugin in a real Chromium: two professionals, live, from the picker to the PDF synthesis."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from plugins.conversation import hooks as conversation
from support.chat_channel import MssanteScreen
from support.factories import bearer, make_account, make_patient

pytestmark = pytest.mark.browser
PLUGINS = [("conversation", conversation)]


@pytest.fixture
def conv_site(make_site):
    site = make_site(plugins=PLUGINS)
    with site.app.app_context():
        alice = make_account("alice", "Alice", "Martin", profession="Médecin généraliste")
        bob = make_account("bob", "Bob", "Durand", profession="Infirmier")
        make_account("claire", "Claire", "Petit", profession="Cardiologue")
        make_patient(in_care_of=alice)
        headers = bearer(alice)
    r = site.app.test_client().post("/api/v1/channels/conversation/exchanges", headers=headers, json={
        "acting_as": alice.identity_id, "members": [bob.identity_id], "subject": "Pansement hebdomadaire",
        "body": "Bonjour"})
    assert r.status_code == 201, r.json
    site.existing_id = r.json["exchange"]["id"]
    return site


def test_two_professionals_talk_live_share_photos_rename_add_and_summarise(
        conv_site, new_page, sign_in, picture, artifacts):
    site = conv_site
    alice, bob = new_page(), new_page()
    sign_in(bob, site, "bob")
    expect(bob.locator("#inbox")).to_have_attribute("data-loaded", "true")
    sign_in(alice, site, "alice", "/envoyer/conversation")

    # The picker: a name typed, the person chosen from PROFESSIONNELS with the keyboard.
    members = alice.get_by_label("Participants")
    members.click()
    members.press_sequentially("dur")
    group = alice.locator("[data-field=members] [data-group=professionals]")
    expect(group.locator(".picker-group-label")).to_have_text("PROFESSIONNELS")
    expect(group.get_by_role("option")).to_have_text([re.compile("Bob DURAND.*Infirmier")])
    expect(group.get_by_role("option").locator(".picker-badge")).to_have_text("Inscrit sur la plateforme")
    alice.screenshot(path=artifacts / "conv-01-annuaire.png")
    members.press("Enter")
    expect(alice.locator("[data-field=members] .chip-label")).to_have_text(["Bob DURAND"])

    # CONV-4: the conversation Alice already has with Bob is offered instead of a new one.
    existing = alice.locator("[data-field=existing] .suggestions")
    expect(existing.locator(".suggestions-title")).to_have_text("Vous avez 1 conversation existante avec ces participants")
    expect(existing.get_by_role("link")).to_have_attribute("href", f"/echanges/{site.existing_id}")
    expect(existing.get_by_role("link")).to_contain_text("Pansement hebdomadaire")
    alice.screenshot(path=artifacts / "conv-02-conversations-existantes.png")

    patient = alice.get_by_label("Patient", exact=True)
    patient.click()
    patient.press_sequentially("cecilia repap")
    alice.locator("[data-field=patient] [role=option]", has_text="Cecilia REPAP TEST").click()
    expect(alice.get_by_label("Objet")).to_have_value("Cecilia REPAP TEST")
    expect(existing).to_be_hidden()  # none with Bob about this patient
    alice.get_by_label("Objet").fill("Plaie du pied droit")
    body = alice.get_by_label("Message")
    body.fill("Bonjour Bob,\npouvez-vous m'envoyer des photos de la plaie ?")
    body.press("Control+Enter")
    expect(alice).to_have_url(re.compile(r"/echanges/\d+$"))
    expect(alice.locator("#thread")).to_have_attribute("data-ready", "true")
    thread_url = alice.url

    # Bob sees it arrive live, opens it, answers with two photos.
    row = bob.locator("#exchange-list .exchange", has_text="Plaie du pied droit")
    expect(row.locator(".badge")).to_have_text("1")
    row.locator(".exchange-subject").click()
    expect(bob).to_have_url(thread_url)
    expect(bob.locator("#thread")).to_have_attribute("data-ready", "true")
    bob.locator("#composer-files").set_input_files(files=[
        {"name": "plaie-face.png", "mimeType": "image/png", "buffer": picture()},
        {"name": "plaie-profil.png", "mimeType": "image/png", "buffer": picture(tint=90)}])
    expect(bob.locator(".composer .attachment-item[data-id]")).to_have_count(2)
    reply = bob.get_by_label("Votre message")
    reply.fill("Voici les photos de ce matin.")
    reply.press("Control+Enter")
    expect(bob.locator("#messages .msg")).to_have_count(2)

    # Alice gets the photos live, as thumbnails, and looks at them in the viewer.
    photos = alice.locator("#messages .msg", has_text="Voici les photos").locator(".thumb img")
    expect(photos).to_have_count(2)
    photos.first.click()
    viewer = alice.locator("dialog.viewer")
    expect(viewer).to_be_visible()
    expect(viewer.locator(".viewer-name")).to_have_text("plaie-face.png")
    expect(viewer.locator(".viewer-position")).to_have_text("1 / 2")
    alice.keyboard.press("ArrowRight")
    expect(viewer.locator(".viewer-name")).to_have_text("plaie-profil.png")
    download = viewer.get_by_role("link", name="Télécharger")
    expect(download).to_have_attribute("href", re.compile(r"/api/v1/attachments/\d+\?download=1$"))
    expect(download).to_have_attribute("download", "plaie-profil.png")
    alice.screenshot(path=artifacts / "conv-03-visionneuse.png")
    alice.keyboard.press("Escape")
    expect(viewer).to_be_hidden()

    # Receipts, both ways, and who opened the conversation.
    expect(alice.locator(".msg-mine .receipt-toggle")).to_have_text("Vu par Bob DURAND")
    expect(bob.locator(".msg-mine .receipt-toggle")).to_have_text("Vu par Alice MARTIN")
    alice.locator(".msg-mine .receipt-toggle").click()
    expect(alice.locator(".msg-mine .receipt-list li")).to_have_text(re.compile(r"Bob DURAND vu aujourd'hui à \d\d:\d\d"))
    alice.get_by_role("button", name=re.compile("Qui a ouvert")).click()
    expect(alice.locator("#qui-a-ouvert .opened-name")).to_have_text(["Alice MARTIN", "Bob DURAND"])
    alice.screenshot(path=artifacts / "conv-04-accuses-de-lecture.png")
    alice.keyboard.press("Escape")

    # Rename and add a member: Bob's page follows, with the system lines.
    alice.get_by_role("button", name="Renommer la conversation").click()
    alice.locator("#rename-input").fill("Plaie du pied droit — suivi infirmier")
    alice.locator("#rename-input").press("Enter")
    expect(alice.locator("#thread-subject")).to_have_text("Plaie du pied droit — suivi infirmier")
    expect(bob.locator("#thread-subject")).to_have_text("Plaie du pied droit — suivi infirmier")
    expect(bob.locator(".msg-system").last).to_contain_text(
        "Alice MARTIN a renommé l'échange en « Plaie du pied droit — suivi infirmier ».")
    alice.get_by_role("button", name="+ Ajouter des participants").click()
    adding = alice.locator("#ajout-participants")
    adding.press_sequentially("petit")
    expect(alice.locator(".add-members [role=option]")).to_have_text([re.compile("Claire PETIT")])
    adding.press("Enter")
    alice.locator(".add-members").get_by_role("button", name="Ajouter", exact=True).click()
    expect(bob.locator(".msg-system").last).to_contain_text("Alice MARTIN a ajouté Claire PETIT.")
    expect(bob.locator("#thread-members")).to_contain_text("Claire PETIT")
    expect(alice.locator("#thread-members")).to_contain_text("Claire PETIT")
    bob.screenshot(path=artifacts / "conv-05-fil-bob-renomme-ajout.png")

    # The PDF synthesis: a spinner while it runs, then the link; Bob sees it posted in the thread.
    # What the page showed while the PDF was being made, recorded as it happened (no timing guess).
    alice.evaluate("""() => {
      window.seenWhileRunning = [];
      new MutationObserver(() => {
        const button = document.querySelector('[data-action=synthesis]');
        const banner = document.getElementById('action-banner');
        if (button.classList.contains('busy')) window.seenWhileRunning.push(banner.textContent);
      }).observe(document.getElementById('thread'), {subtree: true, childList: true, attributes: true});
    }""")
    alice.get_by_role("button", name="Générer la synthèse PDF").click()
    result = alice.locator("#action-banner .action-result")
    expect(result).to_have_text(re.compile(r"^Synthèse .*\.pdf$"), timeout=20_000)
    href = result.get_attribute("href")
    assert re.fullmatch(r"/api/v1/attachments/\d+", href)
    assert any("Générer la synthèse PDF : en cours…" in text for text in alice.evaluate("window.seenWhileRunning"))
    expect(alice.locator("[data-action=synthesis]")).not_to_have_class(re.compile("busy"))
    pdf = alice.request.get(site.url + href)
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")
    expect(bob.locator("#messages .msg-synthesis .file-link")).to_have_text(re.compile(r"Synthèse .*\.pdf"))
    alice.screenshot(path=artifacts / "conv-06-synthese.png")


def test_an_existing_conversation_opens_instead_of_a_new_one(conv_site, new_page, sign_in):
    site = conv_site
    page = new_page()
    sign_in(page, site, "alice", "/envoyer/conversation")
    members = page.get_by_label("Participants")
    members.click()
    members.press_sequentially("bob")
    page.get_by_role("option", name=re.compile("Bob DURAND")).click()
    page.get_by_label("Objet").fill("Une autre question")  # typed text: leaving would normally ask first
    page.locator("[data-field=existing]").get_by_role("link", name=re.compile("Pansement hebdomadaire")).click()
    expect(page).to_have_url(f"{site.url}/echanges/{site.existing_id}")
    expect(page.locator("#thread-subject")).to_have_text("Pansement hebdomadaire")
    with site.app.app_context():
        from kernel.models import Exchange
        assert Exchange.select().count() == 1


def test_a_professional_without_an_account_gets_a_secure_mail_instead(make_site, new_page, sign_in, artifacts,
                                                                   national_directory):
    """CONV-2 against the real directory: in the national extraction, but not on the platform."""
    site = make_site(plugins=PLUGINS + [("mail", MssanteScreen("mail", "Rédiger un mail sécurisé", receives_mail=True))])
    with site.app.app_context():
        make_account("alice", "Alice", "Martin")
    national_directory(site, [national_directory.row("paul.leroy@kine.mssante.fr", "10000000042", "Paul", "Leroy",
                                             ("70", "Masseur-Kinésithérapeute"), "CABINET DE KINESITHERAPIE LEROY",
                                             ("Annecy", "74000", "74"))])
    page = new_page()
    sign_in(page, site, "alice", "/envoyer/conversation")
    members = page.get_by_label("Participants")
    members.click()
    members.press_sequentially("leroy")
    hint = page.locator("[data-field=members] .picker-hint")
    expect(hint.locator(".picker-hint-person")).to_have_attribute("data-address", "paul.leroy@kine.mssante.fr")
    expect(hint).to_contain_text("Ce professionnel n'est pas inscrit sur la plateforme. "
                                 "Vous pouvez lui écrire un mail sécurisé.")
    expect(hint.get_by_role("link", name="Rédiger un mail sécurisé")).to_be_visible()
    expect(hint.get_by_role("link", name="Inviter sur la plateforme")).to_have_attribute(
        "href", re.compile(r"^mailto:paul\.leroy%40kine\.mssante\.fr\?"))
    page.screenshot(path=artifacts / "conv-09-pas-inscrit.png")
    hint.get_by_role("link", name="Rédiger un mail sécurisé").click()
    expect(page).to_have_url(re.compile(r"/envoyer/mail\?destinataire="))
    expect(page.get_by_role("heading", level=1)).to_have_text("Rédiger un mail sécurisé")
    expect(page.locator("[data-field=recipients] .chip-label")).to_have_text("Paul LEROY <paul.leroy@kine.mssante.fr>")
