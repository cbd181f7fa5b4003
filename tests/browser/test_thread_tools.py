"""A conversation's tools in Chromium: files opened or downloaded, transfer to one's software, failed synthesis."""
from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import expect

from kernel import Connector, IntegrationReceipt, hookimpl
from plugins.conversation import hooks as conversation
from support.factories import bearer, make_account, make_patient

pytestmark = pytest.mark.browser


class Dpi:
    """Two connectors: the practice's software takes documents, the hospital's is down."""

    def __init__(self) -> None:
        self.pushed: list[tuple[str, str, str | None, int | None]] = []

    @hookimpl
    def register_connectors(self):
        return [Connector("cabinet", "Logiciel du cabinet"), Connector("hopital", "DPI de l'hôpital")]

    @hookimpl
    def integrate(self, document, patient, target, account, exchange):
        self.pushed.append((target, document.filename, patient.display_name if patient else None,
                            exchange.id if exchange else None))
        if target == "cabinet":
            return IntegrationReceipt("cabinet", True, f"« {document.filename} » est rangé dans le dossier du patient.")
        if target == "hopital":
            return IntegrationReceipt("hopital", False, "Le DPI de l'hôpital ne répond pas : réessayez plus tard.")
        return None


def start_conversation(site, picture=None):
    """Alice writes to Bob about a patient, with a PDF, a spreadsheet and a photo; returns the exchange id."""
    with site.app.app_context():
        alice = make_account("alice", "Alice", "Martin")
        bob = make_account("bob", "Bob", "Durand")
        patient = make_patient(in_care_of=alice)
        headers = bearer(alice)
    client = site.app.test_client()
    files = [("Compte-rendu.pdf", b"%PDF-1.4\n%test\n"), ("Constantes.csv", b"date;tension\n01/03;12/8\n")]
    if picture:
        files.append(("photo.png", picture))
    ids = []
    for name, content in files:
        r = client.post("/api/v1/attachments", headers=headers, data={"file": (io.BytesIO(content), name)},
                        content_type="multipart/form-data")
        assert r.status_code == 201, r.json
        ids.append(r.json["attachment"]["id"])
    r = client.post("/api/v1/channels/conversation/exchanges", headers=headers, json={
        "acting_as": alice.identity_id, "members": [bob.identity_id], "patient": patient.id,
        "subject": "Bilan", "body": "Voici le bilan.", "attachments": ids})
    assert r.status_code == 201, r.json
    return r.json["exchange"]["id"]


def test_files_open_or_download_and_go_to_ones_software(make_site, new_page, sign_in, picture, artifacts):
    dpi = Dpi()
    site = make_site(plugins=[("conversation", conversation), ("dpi", dpi)])
    exchange_id = start_conversation(site, picture())
    page = new_page()
    sign_in(page, site, "bob", f"/echanges/{exchange_id}")
    message = page.locator("#messages .msg").first
    pdf = message.get_by_role("link", name="Compte-rendu.pdf")
    expect(pdf).to_have_attribute("target", "_blank")  # the browser's PDF viewer, in a new tab
    expect(pdf).to_have_attribute("href", re.compile(r"^/api/v1/attachments/\d+$"))
    csv = message.get_by_role("link", name="Constantes.csv")
    expect(csv).to_have_attribute("download", "Constantes.csv")
    expect(csv).to_have_attribute("href", re.compile(r"^/api/v1/attachments/\d+\?download=1$"))
    with page.expect_download() as download:
        csv.click()
    assert download.value.suggested_filename == "Constantes.csv"

    pdf_row = message.locator(".files li", has_text="Compte-rendu.pdf")
    pdf_row.get_by_role("button", name="Envoyer vers mon logiciel").click()
    panel = message.locator(".transfer-panel")
    expect(panel).to_contain_text("Le document sera rangé dans le dossier du patient de cette conversation.")
    panel.get_by_role("button", name="Logiciel du cabinet").click()
    expect(panel.locator(".transfer-result.ok")).to_have_text("✓ « Compte-rendu.pdf » est rangé dans le dossier du patient.")
    panel.get_by_role("button", name="DPI de l'hôpital").click()
    expect(panel.locator(".transfer-result.failed")).to_have_text("⚠ Le DPI de l'hôpital ne répond pas : réessayez plus tard.")
    page.screenshot(path=artifacts / "conv-07-vers-mon-logiciel.png")
    assert dpi.pushed == [("cabinet", "Compte-rendu.pdf", "Cecilia REPAP TEST (née REPAP TEST) née le 27/03/1901", exchange_id),
                          ("hopital", "Compte-rendu.pdf", "Cecilia REPAP TEST (née REPAP TEST) née le 27/03/1901", exchange_id)]


def test_without_any_connector_the_transfer_says_whom_to_ask(make_site, new_page, sign_in):
    site = make_site(plugins=[("conversation", conversation)])
    exchange_id = start_conversation(site)
    page = new_page()
    sign_in(page, site, "bob", f"/echanges/{exchange_id}")
    row = page.locator("#messages .files li", has_text="Constantes.csv")
    row.get_by_role("button", name="Envoyer vers mon logiciel").click()
    expect(page.locator(".transfer-panel [role=alert]")).to_have_text(
        "Aucun logiciel métier n'est raccordé à la plateforme : demandez à votre administrateur d'activer un connecteur.")
    page.locator(".transfer-panel").get_by_role("button", name="Fermer").click()
    expect(page.locator(".transfer-panel")).to_have_count(0)


def test_a_synthesis_that_cannot_be_made_is_explained_in_french(make_site, new_page, sign_in, artifacts):
    site = make_site(plugins=[("conversation", conversation)], wkhtmltopdf="/nulle-part/wkhtmltopdf")
    exchange_id = start_conversation(site)
    page = new_page()
    sign_in(page, site, "bob", f"/echanges/{exchange_id}")
    page.get_by_role("button", name="Générer la synthèse PDF").click()
    banner = page.locator("#action-banner")
    expect(banner).to_have_class(re.compile("banner-danger"))
    expect(banner).to_contain_text("Générer la synthèse PDF : échec.")
    expect(banner).to_contain_text("Le générateur de PDF (wkhtmltopdf) est introuvable")
    expect(banner).to_contain_text("Prévenez l'administrateur de la plateforme.")
    expect(page.get_by_role("button", name="Générer la synthèse PDF")).to_be_enabled()
    page.screenshot(path=artifacts / "conv-08-synthese-impossible.png")
    banner.get_by_role("button", name="Fermer").click()
    expect(banner).to_be_hidden()


def test_files_dropped_on_the_reply_box_are_sent_with_the_reply(make_site, new_page, sign_in):
    site = make_site(plugins=[("conversation", conversation)])
    exchange_id = start_conversation(site)
    page = new_page()
    sign_in(page, site, "bob", f"/echanges/{exchange_id}")
    expect(page.locator("#thread")).to_have_attribute("data-ready", "true")
    # What a file manager's drag and drop delivers: one DataTransfer holding several files.
    page.evaluate("""() => {
      const files = new DataTransfer();
      files.items.add(new File(["Ordonnance"], "ordonnance.txt", {type: "text/plain"}));
      files.items.add(new File(["%PDF-1.4"], "radio.pdf", {type: "application/pdf"}));
      const box = document.getElementById("composer");
      for (const type of ["dragenter", "dragover", "drop"]) {
        box.dispatchEvent(new DragEvent(type, {dataTransfer: files, bubbles: true, cancelable: true}));
      }
    }""")
    expect(page.locator(".composer .attachment-item[data-id]")).to_have_count(2)
    expect(page.locator("#composer")).not_to_have_class(re.compile("dragging"))
    page.get_by_label("Votre message").press("Control+Enter")
    sent = page.locator("#messages .msg-mine")
    expect(sent.locator(".file-link")).to_have_text(["ordonnance.txt", "radio.pdf"])
    expect(page.locator(".composer .attachment-item")).to_have_count(0)
