"""« Envoyer vers mon logiciel » in Chromium, against the demo's own test software (HL7) and regional record
(FHIR) on loopback: the push goes en attente → intégré live under the attachment; a refusal shows its reason
and « Réessayer »."""
from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import expect

from plugins.conversation import hooks as conversation
from plugins.dpi_fhir import hooks as dpi_fhir
from plugins.dpi_hl7 import hooks as dpi_hl7
from support.factories import bearer, make_account, make_patient

pytestmark = pytest.mark.browser

HL7_DEMO = "Logiciel de démonstration (HL7)"
FHIR_DEMO = "Mes Patients (dossier régional de démonstration)"


@pytest.fixture
def demo_site(make_site):
    """A site in demo mode (kernel setting ``demo``) with both connectors, their demo services running."""
    site = make_site(plugins=[("conversation", conversation), ("dpi_hl7", dpi_hl7), ("dpi_fhir", dpi_fhir)], demo=True)
    relais = site.app.extensions["relais"]
    with site.app.app_context():
        for service in relais.services:
            service.start()
    yield site
    for service in reversed(relais.services):
        service.stop()


def conversation_with_a_report(site) -> int:
    with site.app.app_context():
        alice, bob = make_account("alice", "Alice", "Martin"), make_account("bob", "Bob", "Durand")
        patient = make_patient("Jeanne", "DUPONT", ins="279035121518989", in_care_of=alice)
        headers = bearer(alice)
    client = site.app.test_client()
    r = client.post("/api/v1/attachments", headers=headers, content_type="multipart/form-data",
                    data={"file": (io.BytesIO(b"%PDF-1.4\n%compte-rendu\n"), "Compte-rendu.pdf")})
    r = client.post("/api/v1/channels/conversation/exchanges", headers=headers, json={
        "acting_as": alice.identity_id, "members": [bob.identity_id], "patient": patient.id, "subject": "Bilan",
        "body": "Voici le compte rendu.", "attachments": [r.json["attachment"]["id"]]})
    assert r.status_code == 201, r.json
    return r.json["exchange"]["id"]


def test_a_document_goes_into_the_demo_software_and_the_state_moves_live(demo_site, new_page, sign_in, artifacts):
    exchange_id = conversation_with_a_report(demo_site)
    jobs = demo_site.app.extensions["relais"].jobs
    page = new_page()
    sign_in(page, demo_site, "alice", f"/echanges/{exchange_id}")
    row = page.locator("#messages .files li", has_text="Compte-rendu.pdf")
    row.get_by_role("button", name="Envoyer vers mon logiciel").click()
    panel = page.locator(".transfer-panel")
    expect(panel.get_by_role("group", name="Mon logiciel").get_by_role("button")).to_have_text([HL7_DEMO])
    expect(panel.get_by_role("group", name="Dossier régional (Mes Patients)").get_by_role("button")).to_have_text([FHIR_DEMO])
    page.screenshot(path=artifacts / "dpi-01-choix-du-logiciel.png")

    panel.get_by_role("button", name=HL7_DEMO).click()
    state = row.locator(".integration-state")
    expect(state).to_have_text(f"En attente — Envoi en cours vers {HL7_DEMO}…")
    expect(state).to_have_attribute("data-state", "en_attente")
    page.screenshot(path=artifacts / "dpi-02-en-attente.png")
    jobs.run_pending()  # the job runner's turn: the test software answers AA
    expect(state).to_have_text(re.compile(rf"^✓ Intégré dans {re.escape(HL7_DEMO)} aujourd'hui à \d\d:\d\d$"))
    page.screenshot(path=artifacts / "dpi-03-integre.png")

    # The regional record refuses once: the reason, then « Réessayer » integrates it.
    endpoint = demo_site.app.extensions["dpi_fhir.demo_endpoint"]
    endpoint.mode, endpoint.failures, endpoint.reason = "refuse", 1, "Aucun consentement enregistré pour ce patient."
    panel.get_by_role("button", name=FHIR_DEMO).click()
    expect(row.locator(".integration-state")).to_have_count(2)
    jobs.run_pending()
    failed = row.locator(".integration-state.failed")
    expect(failed).to_contain_text(f"⚠ Échec : {FHIR_DEMO} a refusé le document : Aucun consentement enregistré "
                                   "pour ce patient.")
    page.locator(".transfer-panel").get_by_role("button", name="Fermer").click()
    page.screenshot(path=artifacts / "dpi-04-echec.png")
    failed.get_by_role("button", name="Réessayer").click()
    expect(row.locator(".integration-state.pending")).to_have_count(1)
    jobs.run_pending()
    expect(row.locator(".integration-state.ok")).to_have_count(2)
    assert len(endpoint.documents) == 1
    # Reloaded, the page shows the same states (from GET /api/v1/integrations).
    page.reload()
    expect(page.locator("#messages .files li", has_text="Compte-rendu.pdf").locator(".integration-state.ok")).to_have_count(2)
    page.screenshot(path=artifacts / "dpi-05-integre-partout.png")
    # On a phone, the states wrap under the file, readable.
    phone = new_page(width=390, height=800)
    sign_in(phone, demo_site, "alice", f"/echanges/{exchange_id}")
    expect(phone.locator("#messages .integration-state.ok")).to_have_count(2)
    phone.screenshot(path=artifacts / "dpi-07-telephone.png")
