"""The administration's audit pages in a real Chromium: an administrator searches the audit trail (a filter by
action, a refused filter shown at its field, pages kept in the address), downloads the CSV with the same filters,
finds a patient by INS on « Qui a consulté ? », sees who opened their exchanges and downloads the PDF of their
data; a professional gets no link and a 403 page."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kernel.models import AuditEvent
from support.factories import bearer, make_account, make_patient

pytestmark = pytest.mark.browser
INS = "279035121518989"
SHOTS = Path("/tmp/shots/h8")


@pytest.fixture
def audited_site(site):
    with site.app.app_context():
        ada = make_account("ada", "Ada", "Lovelace", profession="Administratrice", is_admin=True)
        julie = make_account("julie", "Julie", "Bernard", profession="Médecin généraliste")
        thomas = make_account("thomas", "Thomas", "Durand", profession="Cardiologue")
        patient = make_patient("Philomène", "QUETZALCOATL", birth_date=dt.date(1979, 3, 15), ins=INS,
                               in_care_of=julie)
        client = site.app.test_client()
        r = client.post("/api/v1/channels/test_chat/exchanges", headers=bearer(julie), json={
            "acting_as": julie.identity_id, "members": [thomas.identity_id], "subject": "Avis sur l’échographie",
            "patient": patient.id, "body": "Pouvez-vous relire l’échographie ?"})
        site.exchange_id = r.json["exchange"]["id"]
        assert client.get(f"/api/v1/exchanges/{site.exchange_id}", headers=bearer(thomas)).status_code == 200
        for n in range(55):  # more than a page of lines
            client.post(f"/api/v1/exchanges/{site.exchange_id}/messages", headers=bearer(julie),
                        json={"body": f"Relance {n}"})
        site.ada, site.julie, site.thomas, site.patient = ada, julie, thomas, patient
    return site


def test_an_administrator_searches_and_exports_the_trail(audited_site, new_page, sign_in):
    site = audited_site
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = new_page(height=1000)
    sign_in(page, site, "ada", "/admin/journal")
    expect(page.locator("#shell_admin_audit")).to_have_text("Journal d’audit")  # the top-bar link
    table = page.locator("#audit-table")
    expect(table).to_be_visible()
    expect(page.locator("#audit-rows tr")).to_have_count(50)
    expect(page.locator("#audit-count")).to_have_text("Lignes 1 à 50, les plus récentes d’abord.")
    page.locator("#audit-next").click()
    expect(page).to_have_url(re.compile(r"page=2"))
    expect(page.locator("#audit-page")).to_have_text("Page 2")

    # A refused filter is said at its field, in French; nothing is listed.
    page.goto(site.url + "/admin/journal")
    page.get_by_label("Compte").fill("personne")
    page.get_by_role("button", name="Rechercher").click()
    error = page.locator("#e-account")
    expect(error).to_have_text("Aucun compte n'a cet identifiant ni ce numéro.")
    expect(page.get_by_label("Compte")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Compte")).to_be_focused()
    page.screenshot(path=str(SHOTS / "journal-error.png"), full_page=True)

    # Filter by action: the consultation by Thomas, acting for himself.
    page.get_by_label("Compte").fill("")
    page.get_by_label("Action").select_option("exchange.consult")
    page.get_by_role("button", name="Rechercher").click()
    expect(page).to_have_url(re.compile(r"action=exchange\.consult"))
    rows = page.locator("#audit-rows tr")
    expect(rows).to_have_count(1)
    expect(page.locator("#audit-count")).to_have_text("1 ligne, les plus récentes d’abord.")
    expect(rows.first).to_contain_text("Thomas DURAND")
    expect(rows.first).to_contain_text("Consultation d'un échange")
    expect(rows.first).to_contain_text(f"Échange n° {site.exchange_id}")
    page.screenshot(path=str(SHOTS / "journal.png"), full_page=True)

    with page.expect_download() as download:
        page.get_by_role("link", name="Exporter en CSV").click()
    raw = Path(download.value.path()).read_bytes()
    assert raw.startswith("\ufeff".encode())
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Date et heure (Paris);Compte;Identifiant;")
    assert len(text.splitlines()) == 2 and "exchange.consult" in text
    assert "échographie" not in text  # never a subject nor a message


def test_who_consulted_and_the_patient_export(audited_site, new_page, sign_in):
    site = audited_site
    page = new_page(height=900)
    sign_in(page, site, "ada", "/admin/qui-a-consulte")
    page.get_by_label("Patient").fill("1 79 03 51 215 189 89")  # a typo: no such INS
    page.get_by_role("button", name="Rechercher").click()
    expect(page.locator("#e-q")).to_have_text("Aucun patient n'a cet INS ni ce numéro.")
    page.get_by_label("Patient").fill("2 79 03 51 215 189 89")
    page.get_by_role("button", name="Rechercher").click()
    expect(page.locator("#patient-name")).to_contain_text("Philomène QUETZALCOATL")
    expect(page.locator("#patient-facts")).to_contain_text("INS 2 79 03 51 215 189 89")
    rows = page.locator("#consult-rows tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Thomas DURAND")
    expect(rows.first).to_contain_text("Avis sur l’échographie")
    expect(rows.first).to_contain_text("Un logiciel (API)")
    page.screenshot(path=str(SHOTS / "consultations.png"), full_page=True)

    with page.expect_download() as download:
        page.get_by_role("button", name="Exporter ses données (PDF)").click()
    assert download.value.suggested_filename.startswith(f"donnees-patient-{site.patient.id}-")
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    expect(page.locator("#export-status")).to_contain_text("Cet export est inscrit au journal d’audit.")
    with site.app.app_context():
        [line] = AuditEvent.select().where(AuditEvent.action == "patient.export")
        assert (line.account_id, line.patient_id) == (site.ada.id, site.patient.id)

    page.get_by_role("link", name="Toutes ses lignes du journal").click()
    expect(page).to_have_url(re.compile(rf"/admin/journal\?patient={site.patient.id}$"))
    expect(page.locator("#audit-rows tr").first).to_contain_text("Export des données d'un patient")


def test_a_professional_gets_no_link_and_a_403(audited_site, new_page, sign_in):
    site = audited_site
    page = new_page()
    sign_in(page, site, "julie", "/")
    expect(page.locator("#shell_admin_audit")).to_have_count(0)
    response = page.goto(site.url + "/admin/journal")
    assert response.status == 403
    expect(page.get_by_role("heading", name="Accès réservé")).to_be_visible()
