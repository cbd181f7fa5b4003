"""Téléexpertise, the request side in a browser: a requester finds an expert, gets the expert's prerequisites and
questions, sees errors at the questions they concern, sends; the expert's queue shows it live, opening it puts
it « en cours » live on the requester's page, and a refusal asks its reason in a dialog."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from plugins.teleexpertise import hooks as teleexpertise
from plugins.teleexpertise.models import Expert
from support.factories import make_account, make_patient

INS = "279035121518989"
FORM = [
    {"name": "localisation", "label": "Localisation", "type": "text", "required": True, "choices": [], "unit": ""},
    {"name": "taille", "label": "Taille", "type": "number", "required": True, "choices": [], "unit": "mm"},
    {"name": "evolution", "label": "Évolution récente", "type": "yesno", "required": True, "choices": [], "unit": ""},
]


@pytest.fixture
def te_site(make_site):
    site = make_site(plugins=[("teleexpertise", teleexpertise)])
    with site.app.app_context():
        alice = make_account("alice", "Alice", "Martin", profession="Médecin généraliste")
        bob = make_account("bob", "Bob", "Durand", profession="Dermatologue")
        Expert.create(identity=bob.identity_id, scope="Dermatologie : lésions pigmentées",
                      prerequisites="Merci de joindre des photos nettes.", form=FORM)
        make_patient("Marie", "DUPONT", ins=INS, in_care_of=alice)
    return site


def test_a_request_with_the_experts_questions_then_its_statuses_live(te_site, new_page, sign_in, artifacts):
    site = te_site
    alice, bob = new_page(), new_page()
    sign_in(bob, site, "bob", "/teleexpertise/demandes")
    expect(bob.locator("#te-queue-empty")).to_be_visible()
    sign_in(alice, site, "alice", "/envoyer/teleexpertise")

    # The expert search, then the expert's prerequisites and questions.
    expert = alice.get_by_label("Expert sollicité")
    expert.click()
    expert.press_sequentially("lesions pigm")
    expect(alice.locator("[data-field=expert] [role=option]").first).to_contain_text("Bob DURAND")
    expert.press("Enter")
    questions = alice.locator("[data-field=answers] fieldset")
    expect(questions.locator(".fieldset-notice")).to_contain_text("Merci de joindre des photos nettes.")
    expect(questions.locator("legend")).to_have_text("Ce que demande Bob DURAND")
    expect(alice.get_by_label("Évolution récente")).to_have_value("")  # never answered by default

    patient = alice.locator("[data-field=patient] input.picker-input").first
    patient.click()
    patient.press_sequentially("marie dupont")
    alice.locator("[data-field=patient] [role=option]", has_text="Marie DUPONT").click()
    expect(alice.get_by_label("NIR du patient")).to_have_value(INS)
    expect(alice.get_by_label("Objet")).to_have_value("Téléexpertise – Marie DUPONT")
    alice.get_by_text("En savoir plus").click()
    expect(alice.locator(".help-more p")).to_contain_text("Assurance Maladie")
    alice.get_by_label("Votre numéro de facturation (AM)").fill("741123456")
    alice.get_by_label("Localisation").fill("Dos")
    alice.get_by_label("Taille (mm)").fill("sept")
    alice.get_by_label("Votre question").fill("Lésion pigmentée : votre avis ?")
    alice.get_by_role("button", name="Envoyer").click()
    expect(alice.locator("[data-field='answers.taille'] .field-error")).to_contain_text("Saisissez un nombre")
    expect(alice.locator("[data-field='answers.evolution'] .field-error")).to_contain_text("obligatoire")
    expect(alice.locator("[data-field=consent] .field-error")).to_contain_text("consentement du patient")
    alice.screenshot(path=artifacts / "te-01-erreurs-ecran-de-demande.png", full_page=True)

    alice.get_by_label("Taille (mm)").fill("7,5")
    alice.get_by_label("Évolution récente").select_option(label="Oui")
    alice.get_by_label(re.compile("Le patient a donné son consentement")).check()
    alice.get_by_role("button", name="Envoyer").click()
    expect(alice).to_have_url(re.compile(r"/echanges/\d+$"))
    status = alice.locator("[data-panel=teleexpertise_status]")
    expect(status).to_contain_text("Téléexpertise demandée")
    expect(alice.locator("[data-panel=teleexpertise_request] .panel-items")).to_contain_text("7,5 mm")
    thread_url = alice.url

    # The expert's queue shows it live, « à traiter »; opening it puts it in progress on Alice's page live.
    row = bob.locator(".te-row").first
    expect(row).to_contain_text("Téléexpertise – Marie DUPONT")
    expect(row.locator(".te-age-label")).to_have_text("À traiter")
    bob.screenshot(path=artifacts / "te-02-a-traiter.png")
    row.locator("a").click()
    expect(bob).to_have_url(thread_url)
    expect(status).to_contain_text("Téléexpertise en cours")

    # A refusal asks its reason; the requester reads it live.
    bob.get_by_role("button", name="Refuser la demande").click()
    dialog = bob.locator("dialog.action-prompt")
    dialog.get_by_role("button", name="Valider").click()
    expect(dialog.locator(".field-error")).to_have_text("Indiquez le motif du refus : le demandeur le lira.")
    dialog.get_by_label("Motif du refus").fill("Hors de mon périmètre.")
    dialog.get_by_role("button", name="Valider").click()
    expect(dialog).to_have_count(0)
    expect(status).to_contain_text("Motif : Hors de mon périmètre.")
    expect(status).to_have_class(re.compile("banner-danger"))
    alice.screenshot(path=artifacts / "te-03-refusee.png")
