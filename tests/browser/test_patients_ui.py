"""Patients in Chromium: the picker (recent first, homonyms, creating one inline) and the patient's page."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from plugins.conversation import hooks as conversation
from support.chat_channel import ChatChannel
from support.factories import bearer, make_account, make_patient

pytestmark = pytest.mark.browser
PLUGINS = [("conversation", conversation), ("test_chat", ChatChannel())]


def ins(first13: str) -> str:
    """A matricule with its right key: 97 - (13 digits mod 97)."""
    return f"{first13}{97 - int(first13) % 97:02d}"


def test_recent_patients_first_homonyms_flagged_and_a_new_patient_created_inline(
        make_site, new_page, sign_in, artifacts):
    site = make_site(plugins=PLUGINS)
    with site.app.app_context():
        alice, bob = make_account("alice", "Alice", "Martin"), make_account("bob", "Bob", "Durand")
        cecilia = make_patient(in_care_of=alice)
        for order in ("456", "457"):  # same names and birth date, two different people
            make_patient("Jean", "MARTIN", "M", birth_date=dt.date(1950, 1, 1), ins=ins(f"1500175123{order}"),
                         in_care_of=alice)
        headers = bearer(alice)
    r = site.app.test_client().post("/api/v1/channels/conversation/exchanges", headers=headers, json={
        "acting_as": alice.identity_id, "members": [bob.identity_id], "patient": cecilia.id, "subject": "Suivi",
        "body": "Bonjour"})
    assert r.status_code == 201, r.json

    page = new_page()
    sign_in(page, site, "alice", "/envoyer/conversation")
    field = page.locator("[data-field=patient]")
    patient = page.get_by_label("Patient", exact=True)
    patient.click()  # nothing typed: the patients Alice wrote about lately
    expect(field.locator(".picker-group-label")).to_have_text("PATIENTS RÉCENTS")
    expect(field.locator(".picker-option:not(.picker-action)")).to_have_count(1)
    recent = field.locator(".picker-option").first
    expect(recent.locator(".picker-option-label")).to_have_text("Cecilia REPAP TEST (née REPAP TEST) née le 27/03/1901")
    expect(recent.locator(".picker-option-note")).to_have_text(re.compile(r"^utilisé (à l'instant|il y a \d+ min)$"))
    expect(recent.locator(".picker-option-detail")).to_have_text("INS non renseigné")

    patient.press_sequentially("jean martin 01/01/1950")
    homonyms = field.locator(".picker-option:not(.picker-action)")
    expect(homonyms).to_have_count(2)
    expect(homonyms.locator(".picker-warning")).to_have_text(["Homonyme", "Homonyme"])
    expect(homonyms.first.locator(".picker-option-detail")).to_have_text(
        re.compile(r"^INS 1 50 01 75 123 45[67] \d\d · identité qualifiée$"))
    page.screenshot(path=artifacts / "patient-01-homonymes.png")
    patient.press("Enter")
    expect(field.locator(".chip")).to_have_class(re.compile("chip-warning"))
    expect(field.locator(".homonym-warning")).to_be_visible()
    expect(page.get_by_label("Objet")).to_have_value("Jean MARTIN")
    field.get_by_role("button", name=re.compile("^Retirer Jean MARTIN")).click()
    expect(field.locator(".homonym-warning")).to_be_hidden()

    # Nobody found: create the patient here, without leaving the screen.
    patient.press_sequentially("legrand lucie")
    expect(field.locator(".picker-note")).to_have_text("Aucun patient trouvé pour « legrand lucie ».")
    patient.press("ArrowDown")
    expect(field.locator(".picker-option.active")).to_have_text("Créer un patient…")
    patient.press("Enter")
    form = field.locator("fieldset.patient-create")
    expect(form.get_by_label("Nom de naissance")).to_have_value("LEGRAND")
    expect(form.get_by_label("Prénom(s)")).to_have_value("lucie")
    form.get_by_label("Prénom(s)").fill("Lucie Marie")
    form.get_by_label("Date de naissance").fill("1984-05-12")
    form.get_by_label("Sexe").select_option("F")
    form.get_by_label("INS (matricule)").fill(ins("1840575123456"))
    form.get_by_label(re.compile("^Identité qualifiée")).check()
    form.get_by_role("button", name="Créer le patient").click()
    error = form.locator("[data-field=ins] .field-error")
    expect(error).to_contain_text("Le sexe ne correspond pas à l'INS : ce matricule est celui d'un homme.")
    page.screenshot(path=artifacts / "patient-02-creation-erreur.png")
    form.get_by_label("INS (matricule)").fill("")
    expect(error).to_be_hidden()
    form.get_by_label(re.compile("^Identité qualifiée")).uncheck()
    form.get_by_label("Date de naissance").press("Enter")  # Enter creates the patient, never sends the message
    expect(form).to_be_hidden()
    expect(field.locator(".chip-label")).to_have_text("Lucie LEGRAND (née LEGRAND) née le 12/05/1984")
    expect(page.get_by_label("Objet")).to_have_value("Lucie LEGRAND")
    expect(page).to_have_url(re.compile("/envoyer/conversation$"))


def test_the_patient_page_gathers_every_exchange_about_the_patient(make_site, new_page, sign_in, artifacts):
    site = make_site(plugins=PLUGINS)
    with site.app.app_context():
        alice, bob = make_account("alice", "Alice", "Martin"), make_account("bob", "Bob", "Durand")
        cecilia = make_patient(ins=None, in_care_of=alice)
        headers = bearer(alice)
    client = site.app.test_client()
    ids = {}
    for channel, subject, patient_id in (("conversation", "Plaie du pied", cecilia.id),
                                         ("test_mail", "Compte rendu de consultation", cecilia.id),
                                         ("conversation", "Astreinte du week-end", None)):
        r = client.post(f"/api/v1/channels/{channel}/exchanges", headers=headers, json={
            "acting_as": alice.identity_id, "members": [bob.identity_id], "patient": patient_id, "subject": subject,
            "body": "Bonjour"})
        assert r.status_code == 201, r.json
        ids[subject] = r.json["exchange"]["id"]

    page = new_page()
    sign_in(page, site, "bob", f"/echanges/{ids['Plaie du pied']}")
    page.locator("#thread-patient").get_by_role("link").click()
    expect(page).to_have_url(f"{site.url}/patients/{cecilia.id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cecilia REPAP TEST (née REPAP TEST) née le 27/03/1901")
    expect(page.locator(".identity")).to_contain_text("Date de naissance27/03/1901")
    expect(page.locator(".identity")).to_contain_text("INSnon renseigné")
    rows = page.locator("#patient-exchange-list .exchange")
    expect(rows.locator(".exchange-subject")).to_have_text(["Compte rendu de consultation", "Plaie du pied"])
    expect(rows.locator(".exchange-channel")).to_have_text(["Mail sécurisé", "Conversation"])
    page.screenshot(path=artifacts / "patient-03-page-patient.png")

    # From the inbox, the patient's name in a row leads there too; the rest of the row opens the exchange.
    page.goto(site.url + "/")
    row = page.locator("#exchange-list .exchange", has_text="Plaie du pied")
    row.locator(".patient-link").click()
    expect(page).to_have_url(f"{site.url}/patients/{cecilia.id}")
    rows.locator(".exchange-subject", has_text="Plaie du pied").click()
    expect(page).to_have_url(f"{site.url}/echanges/{ids['Plaie du pied']}")
