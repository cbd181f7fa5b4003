"""Issue #15 item 1: nothing typed in a picker is dropped. A full MSSanté address typed as text becomes a
recipient (after its syntax was checked); any other text left in a picker stops the send at that field."""
from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from plugins.conversation import hooks as conversation
from support.chat_channel import MssanteScreen
from support.factories import bearer, make_account

pytestmark = pytest.mark.browser

MARTIN = {"id": "pp:810000000001", "kind": "person", "display_name": "Anne MARTIN", "profession": "Médecin",
          "specialty": "", "organisation": "", "city": "Annecy", "postcode": "74000", "department": "", "rpps": "",
          "identity_id": 101, "has_account": True,
          "addresses": [{"address": "anne.martin@medecin.mssante.fr", "type": "PER", "label": ""}]}


def stub_directory(page):
    """GET /api/v1/directory finds Anne MARTIN by her name only (an address typed finds nobody)."""
    def answer(route):
        q = parse_qs(urlsplit(route.request.url).query).get("q", [""])[0].lower()
        found = [MARTIN] if q and q in MARTIN["display_name"].lower() else []
        route.fulfill(status=200, content_type="application/json", body=json.dumps(
            {"professionals": found, "services": [], "more": {"professionals": False, "services": False}}))
    page.route(re.compile(r"/api/v1/directory\?"), answer)


def capture_send(page, channel):
    """Keep each send's JSON and refuse it at the subject, so the screen stays."""
    sent = []

    def refuse(route):
        sent.append(route.request.post_data_json)
        route.fulfill(status=422, content_type="application/json",
                      body=json.dumps({"errors": {"subject": ["Ce champ est obligatoire."]}}))
    page.route(f"**/api/v1/channels/{channel}/exchanges", refuse)
    return sent


def test_a_typed_mail_address_becomes_a_recipient_and_other_text_blocks_the_send(make_site, new_page, sign_in,
                                                                                 artifacts):
    site = make_site(plugins=[("mail", MssanteScreen("test_mail", "Rédiger un mail sécurisé", receives_mail=True))])
    with site.app.app_context():
        make_account("alice", "Alice", "Dupuis")
    page = new_page(service_workers="block")
    stub_directory(page)
    sent = capture_send(page, "test_mail")
    sign_in(page, site, "alice", "/envoyer/test_mail")
    field = page.locator("[data-field=recipients]")
    recipients = page.get_by_label("Destinataires")

    # Not an address, not picked: the send stops at the field, nothing leaves the page.
    recipients.click()
    recipients.press_sequentially("Dr Bernard")
    recipients.press("Escape")
    page.get_by_role("button", name="Envoyer").click()
    expect(field.locator(".field-error")).to_have_text(re.compile(
        "^« Dr Bernard » n'est pas un destinataire : choisissez-le dans la liste ou saisissez une adresse MSSanté complète"))
    expect(recipients).to_be_focused()
    # Said with the empty required subject: both corrected in one go, not one send after the other.
    expect(page.locator("[data-field=subject] .field-error")).to_have_text("Ce champ est obligatoire.")
    page.screenshot(path=artifacts / "typed-01-texte-non-choisi.png")
    assert sent == []

    # An address the directory does not list is offered as it is, and Enter takes it.
    recipients.fill("")
    recipients.press_sequentially("paul.leroy@kine.mssante.fr")
    expect(field.locator(".picker-action")).to_have_text("Écrire à paul.leroy@kine.mssante.fr")
    recipients.press("Enter")
    expect(field.locator(".chip-label")).to_have_text(["paul.leroy@kine.mssante.fr"])

    # An address typed and left there at send time is a recipient too, beside a picked one.
    recipients.press_sequentially("martin")
    expect(field.locator(".picker-option").first).to_contain_text("Anne MARTIN")
    recipients.press("Enter")
    recipients.press_sequentially("secretariat@cabinet-du-lac.mssante.fr")
    page.get_by_role("button", name="Envoyer").click()
    expect(page.locator("[data-field=subject] .field-error")).to_have_text("Ce champ est obligatoire.")
    expect(field.locator(".field-error")).to_be_hidden()
    assert sent[-1]["recipients"] == ["paul.leroy@kine.mssante.fr", "anne.martin@medecin.mssante.fr",
                                      "secretariat@cabinet-du-lac.mssante.fr"]
    expect(recipients).to_have_value("")

    # A malformed address is not taken and not dropped.
    recipients.press_sequentially("paul.leroy@kine")
    page.get_by_role("button", name="Envoyer").click()
    expect(field.locator(".field-error")).to_contain_text("« paul.leroy@kine » n'est pas un destinataire")
    assert len(sent) == 1


def test_a_name_left_in_the_members_picker_blocks_the_send(make_site, new_page, sign_in, artifacts):
    site = make_site(plugins=[("conversation", conversation)])
    with site.app.app_context():
        make_account("alice", "Alice", "Dupuis")
    page = new_page(service_workers="block")
    stub_directory(page)
    sent = capture_send(page, "conversation")
    sign_in(page, site, "alice", "/envoyer/conversation")
    field = page.locator("[data-field=members]")
    members = page.get_by_label("Participants")
    members.click()
    members.press_sequentially("martin")
    expect(field.locator(".picker-option").first).to_contain_text("Anne MARTIN")
    members.press("Escape")
    page.get_by_role("button", name="Envoyer").click()
    expect(field.locator(".field-error")).to_have_text(
        "« martin » n'a pas été choisi : choisissez la personne dans la liste, ou effacez ce texte.")
    page.screenshot(path=artifacts / "typed-02-participant-non-choisi.png")
    assert sent == []
    # An address typed in a members field is not a platform account: it is not taken either.
    members.fill("anne.martin@medecin.mssante.fr")
    page.get_by_role("button", name="Envoyer").click()
    expect(field.locator(".field-error")).to_contain_text("« anne.martin@medecin.mssante.fr » n'a pas été choisi")
    assert sent == []
    members.fill("martin")
    members.press("Enter")
    expect(field.locator(".chip-label")).to_have_text(["Anne MARTIN"])
    page.get_by_role("button", name="Envoyer").click()
    expect(page.locator("[data-field=subject] .field-error")).to_be_visible()
    expect(field.locator(".field-error")).to_be_hidden()
    assert sent[-1]["members"] == [101]


def test_a_name_left_in_the_patient_picker_blocks_the_send(make_site, new_page, sign_in):
    """« lefe » typed in Patient and not chosen is never taken for « no patient »: the exchange would be
    filed away from the patient's record."""
    site = make_site(plugins=[("conversation", conversation)])
    with site.app.app_context():
        make_account("alice", "Alice", "Dupuis")
    page = new_page(service_workers="block")
    stub_directory(page)
    sent = capture_send(page, "conversation")
    sign_in(page, site, "alice", "/envoyer/conversation")
    members = page.get_by_label("Participants")
    members.press_sequentially("martin")
    members.press("Enter")
    patient = page.locator("[data-field=patient]")
    patient.get_by_role("combobox").first.press_sequentially("lefe")
    page.get_by_label("Objet").fill("Plaie")
    page.get_by_role("button", name="Envoyer").click()
    expect(patient.locator(".field-error").last).to_have_text(
        "« lefe » n'est pas un patient choisi : choisissez-le dans la liste, créez-le, ou effacez ce texte.")
    assert sent == []


def test_a_name_left_when_adding_members_blocks_the_adding(make_site, new_page, sign_in):
    site = make_site(plugins=[("conversation", conversation)])
    with site.app.app_context():
        alice = make_account("alice", "Alice", "Dupuis")
        bob = make_account("bob", "Bob", "Durand")
        headers = bearer(alice)
    r = site.app.test_client().post("/api/v1/channels/conversation/exchanges", headers=headers, json={
        "acting_as": alice.identity_id, "members": [bob.identity_id], "subject": "Plaie", "body": "Bonjour"})
    assert r.status_code == 201, r.json
    page = new_page(service_workers="block")
    stub_directory(page)
    posted = []
    page.on("request", lambda req: posted.append(req.url) if req.method == "POST" and req.url.endswith("/members")
            else None)
    sign_in(page, site, "alice", f"/echanges/{r.json['exchange']['id']}")
    page.get_by_role("button", name="+ Ajouter des participants").click()
    adding = page.locator("#ajout-participants")
    adding.press_sequentially("martin")
    expect(page.locator(".add-members [role=option]")).to_have_text([re.compile("Anne MARTIN")])
    adding.press("Escape")
    page.locator(".add-members").get_by_role("button", name="Ajouter", exact=True).click()
    expect(page.locator(".add-members")).to_contain_text(
        "« martin » n'a pas été choisi : choisissez la personne dans la liste, ou effacez ce texte.")
    assert posted == []
