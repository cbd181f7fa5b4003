"""Issue #15 item 8: words and numbers a doctor understands (the upload limit stated, and checked before
the upload starts, naming the file)."""
from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from support.chat_channel import ChatChannel, MssanteScreen
from support.factories import make_account

pytestmark = pytest.mark.browser


def test_the_upload_limit_is_stated_and_a_too_large_file_is_named_before_any_upload(make_site, new_page, sign_in,
                                                                                   artifacts):
    site = make_site(plugins=[("chat", ChatChannel())], attachment_max_bytes=1024 * 1024)
    with site.app.app_context():
        make_account("alice", "Alice", "Dupuis")
    page = new_page(service_workers="block")
    uploads = []
    page.on("request", lambda r: uploads.append(r) if r.url.endswith("/api/v1/attachments") else None)
    sign_in(page, site, "alice", "/envoyer/test_chat")
    field = page.locator("[data-field=attachments]")
    expect(field.locator(".hint")).to_contain_text("1 Mo au plus par fichier")
    field.locator("[data-attachments-input]").set_input_files(files=[
        {"name": "scanner.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n" + b"0" * (1536 * 1024)},
        {"name": "compte rendu.txt", "mimeType": "text/plain", "buffer": "Compte rendu".encode()}])
    expect(field.locator(".field-error")).to_have_text("« scanner.pdf » dépasse la taille maximale de 1 Mo.")
    expect(field.locator(".attachment-item[data-id]")).to_have_text([re.compile("compte rendu.txt")])
    page.screenshot(path=artifacts / "plain-01-taille-maximale.png")
    assert len(uploads) == 1  # the small file only: the large one never left the browser

    # Only too large files: nothing is sent at all.
    field.locator("[data-attachments-input]").set_input_files(files=[
        {"name": "IRM.dcm", "mimeType": "application/dicom", "buffer": b"0" * (2 * 1024 * 1024)}])
    expect(field.locator(".field-error")).to_have_text("« IRM.dcm » dépasse la taille maximale de 1 Mo.")
    expect(field.locator(".attachment-item")).to_have_count(1)
    assert len(uploads) == 1


DUPONT = {"id": "pp:810000000001", "kind": "person", "display_name": "Jean DUPONT", "profession": "Médecin",
          "specialty": "", "organisation": "", "city": "Annecy", "postcode": "74000", "department": "", "rpps": "",
          "identity_id": 7, "has_account": True,
          "addresses": [{"address": "jean.dupont@medecin.mssante.fr", "type": "PER", "label": ""},
                        {"address": "secretariat@cabinet-du-lac.mssante.fr", "type": "CAB", "label": "Cabinet du Lac"}]}


def test_a_directory_result_shows_the_address_that_matched(make_site, new_page, sign_in):
    site = make_site(plugins=[("chat", ChatChannel()), ("doc", MssanteScreen("test_document", "Envoyer un document"))])
    with site.app.app_context():
        make_account("alice", "Alice", "Dupuis")
    page = new_page(service_workers="block")
    page.route(re.compile(r"/api/v1/directory\?"), lambda route: route.fulfill(
        status=200, content_type="application/json",
        body=json.dumps({"professionals": [DUPONT], "services": [], "more": {"professionals": False, "services": False}})))
    for path, label in (("/envoyer/test_document", "Destinataires"), ("/envoyer/test_chat", "Participants")):
        if path.endswith("document"):
            sign_in(page, site, "alice", path)
        else:
            page.goto(site.url + path)
        box = page.get_by_label(label)
        box.click()
        box.press_sequentially("secretariat@cab")
        expect(page.locator(".picker-option").first).to_contain_text(
            "Adresse trouvée : secretariat@cabinet-du-lac.mssante.fr")
        box.fill("")
        box.press_sequentially("dupont")  # found by the name: nothing more to say
        expect(page.locator(".picker-option").first).to_contain_text("Jean DUPONT")
        expect(page.locator(".picker-option").first).not_to_contain_text("Adresse trouvée")
        box.fill("")


def test_a_single_address_says_which_structure_it_belongs_to(make_site, new_page, sign_in):
    site = make_site(plugins=[("doc", MssanteScreen("test_document", "Envoyer un document"))])
    with site.app.app_context():
        make_account("alice", "Alice", "Dupuis")
    lac = {**DUPONT, "addresses": [{"address": "jdupont@cabinet-du-lac.mssante.fr", "type": "CAB",
                                    "label": "Cabinet du Lac, Annecy"}]}
    page = new_page(service_workers="block")
    page.route(re.compile(r"/api/v1/directory\?"), lambda route: route.fulfill(
        status=200, content_type="application/json",
        body=json.dumps({"professionals": [lac], "services": [], "more": {"professionals": False, "services": False}})))
    sign_in(page, site, "alice", "/envoyer/test_document")
    box = page.get_by_label("Destinataires")
    box.click()
    box.press_sequentially("dupont")
    # Only what the line does not say already: the city is there (« Médecin · Annecy (74000) »), the cabinet not.
    expect(page.locator(".picker-option").first).to_contain_text("jdupont@cabinet-du-lac.mssante.fr (Cabinet du Lac)")
    expect(page.locator(".picker-option").first).not_to_contain_text("(Cabinet du Lac, Annecy)")


def test_a_single_address_of_the_structure_the_line_names_says_nothing_twice(make_site, new_page, sign_in):
    """The demo's directory: « Chirurgien-Dentiste · CABINET DE SOINS DURAND · Le Puy-en-Velay (43000) ·
    benoit.durand@… », without « (CABINET DE SOINS DURAND, Le Puy-en-Velay) » after it."""
    site = make_site(plugins=[("doc", MssanteScreen("test_document", "Envoyer un document"))])
    with site.app.app_context():
        make_account("alice", "Alice", "Dupuis")
    cabinet = {**DUPONT, "organisation": "CABINET DE SOINS DUPONT", "city": "Le Puy-en-Velay", "postcode": "43000",
               "addresses": [{"address": "jdupont@dentiste.mssante.fr", "type": "CAB",
                              "label": "CABINET DE SOINS DUPONT, Le Puy-en-Velay"}]}
    page = new_page()
    page.route(re.compile(r"/api/v1/directory\?"), lambda route: route.fulfill(
        status=200, content_type="application/json",
        body=json.dumps({"professionals": [cabinet], "services": [], "more": {"professionals": False, "services": False}})))
    sign_in(page, site, "alice", "/envoyer/test_document")
    box = page.get_by_label("Destinataires")
    box.click()
    box.press_sequentially("dupont")
    option = page.locator(".picker-option").first
    expect(option).to_contain_text("Le Puy-en-Velay (43000) · jdupont@dentiste.mssante.fr")
    expect(option).not_to_contain_text("jdupont@dentiste.mssante.fr (")
    assert option.inner_text().count("CABINET DE SOINS DUPONT") == 1
