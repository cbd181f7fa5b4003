"""In a real Chromium, between two platforms on loopback: Julie (platform A) sends a consultation report about
Marie with the document screen (the type found by searching the list), the errors said at their fields first;
Paul (platform B) receives it as documents about Marie and answers by secure mail, pre-filled."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from kernel.ins import compute_key
from mail.mail_helpers import mail_settings, publish_address, relais_of, running_receiver
from plugins.documents import hooks as documents_plugin
from plugins.mssante_mail import hooks as mail_plugin
from support.factories import make_account, make_patient

pytestmark = pytest.mark.browser
MARIE = "2850377123456" + compute_key("2850377123456")
PLUGINS = [("mssante_mail", mail_plugin), ("documents", documents_plugin)]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def platforms(make_site, national_directory):
    a = make_site(plugins=PLUGINS, name="platform-a", **mail_settings("a.mssante.fr"))
    b = make_site(plugins=PLUGINS, name="platform-b", **mail_settings("b.mssante.fr"))
    with running_receiver(a.app) as receiver_a, running_receiver(b.app) as receiver_b:
        relais_of(a.app).config["mail_relay_port"] = receiver_b.port
        relais_of(b.app).config["mail_relay_port"] = receiver_a.port
        with a.app.app_context():
            julie = make_account("julie", "Julie", "Bernard", addresses=("julie@a.mssante.fr",))
            make_patient("Marie", "DUPONT", "F", birth_date=dt.date(1985, 3, 12), ins=MARIE, in_care_of=julie)
        national_directory(a, [national_directory.row("paul.durand@b.mssante.fr", "10000000043", "Paul", "Durand",
                                                      ("10", "Médecin"), "CABINET DURAND", ("Lyon", "69003", "69"))])
        with b.app.app_context():
            paul = make_account("paul", "Paul", "Durand", addresses=("paul.durand@b.mssante.fr",))
            make_patient("Marie", "DUPONT", "F", birth_date=dt.date(1985, 3, 12), ins=MARIE, in_care_of=paul)
            publish_address("julie@a.mssante.fr", "Dr Julie BERNARD")
        yield a, b


def run_jobs(site) -> int:
    with site.app.app_context():
        return relais_of(site.app).jobs.run_pending()


def test_a_document_sent_from_a_and_received_on_b(platforms, new_page, sign_in, artifacts):
    a, b = platforms
    julie = new_page()
    sign_in(julie, a, "julie", "/envoyer/documents")

    # Sent empty: each required field says so.
    julie.get_by_role("button", name=re.compile("Envoyer")).click()
    expect(julie.locator("#erreur-recipients")).to_be_visible()
    expect(julie.locator("#erreur-patient")).to_have_text("Ce champ est obligatoire.")
    expect(julie.locator("#erreur-attachments")).to_be_visible()
    julie.screenshot(path=artifacts / "documents-01-erreurs.png", full_page=True)

    recipients = julie.locator("#champ-recipients")
    recipients.click()
    recipients.press_sequentially("durand")
    julie.locator("[role=option]", has_text="Paul DURAND").first.click()
    patient = julie.locator("#champ-patient")
    patient.click()
    patient.press_sequentially("dupont")
    julie.locator("[data-field=patient] [role=option]", has_text="Marie DUPONT").click()
    julie.locator("[data-attachments-input]").set_input_files(files=[
        {"name": "CR consultation.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    expect(julie.locator("[data-field=attachments] .attachment-item[data-id]")).to_have_count(1)

    # The document's type, searched in the list: two types speak of a consultation, the LOINC code picks one.
    types = julie.locator(".dynamic-fieldset select")
    expect(types).to_have_count(1)
    julie.get_by_role("button", name=re.compile("Envoyer")).click()  # no type yet: said at the document
    expect(julie.locator(".dynamic-fieldset .field-error").first).to_have_text("Choisissez le type de ce document.")
    julie.screenshot(path=artifacts / "documents-01b-type-manquant.png", full_page=True)
    search = julie.get_by_placeholder("Rechercher un type (nom ou code LOINC)")
    search.fill("consultation")
    expect(julie.locator(".select-search-count")).to_have_text("2 types trouvés")
    search.fill("11488")
    expect(julie.locator(".select-search-count")).to_have_text("1 type trouvé")
    expect(types.locator("option:checked")).to_have_text("Compte rendu de consultation (11488-4)")
    date = julie.locator(".dynamic-fieldset input[type=date]")
    expect(date).to_have_value(dt.date.today().isoformat())  # today, unless the user says otherwise
    date.fill("2026-12-01")
    julie.screenshot(path=artifacts / "documents-02-formulaire.png", full_page=True)
    julie.get_by_role("button", name=re.compile("Envoyer")).click()
    expect(julie).to_have_url(re.compile(r"/echanges/\d+$"))
    expect(julie.locator("#thread")).to_have_attribute("data-ready", "true")
    expect(julie.locator("#thread")).to_contain_text("Compte rendu de consultation DUPONT Marie 12/03/1985")
    julie.screenshot(path=artifacts / "documents-03-envoye.png", full_page=True)
    assert run_jobs(a) == 1  # SMTP to B's receiver

    paul = new_page()
    sign_in(paul, b, "paul", "/?espace=mail")
    row = paul.locator("#exchange-list .exchange", has_text="Compte rendu de consultation DUPONT Marie 12/03/1985")
    expect(row).to_be_visible()
    expect(row).not_to_contain_text("XDM/1.0")
    row.click()
    expect(paul.locator("#thread")).to_have_attribute("data-ready", "true")
    received = paul.locator(".panel, .exchange-panel, [data-panel=documents_received]").filter(
        has_text="Documents reçus")
    expect(received.first).to_contain_text(f"Patient : DUPONT Marie, né(e) le 12/03/1985, INS {MARIE}.")
    expect(received.first).to_contain_text("Compte rendu de consultation du 01/12/2026")
    expect(paul.locator("#messages")).not_to_contain_text("XDM/1.0")
    paul.screenshot(path=artifacts / "documents-04-recu.png", full_page=True)

    # DOC-4: the answer is a secure mail, with the sender, the patient and the subject already there.
    paul.get_by_role("button", name="Répondre par mail sécurisé").or_(
        paul.get_by_role("link", name="Répondre par mail sécurisé")).first.click()
    expect(paul).to_have_url(re.compile(r"/envoyer/mssante_mail\?"))
    expect(paul.locator("#compose-form")).to_have_attribute("data-ready", "true")
    expect(paul.locator("[data-field=recipients] .chip")).to_contain_text("julie@a.mssante.fr")
    expect(paul.get_by_label("Objet")).to_have_value("Re: Compte rendu de consultation DUPONT Marie 12/03/1985")
    expect(paul.locator("[data-field=patient]")).to_contain_text("Marie DUPONT")
    paul.screenshot(path=artifacts / "documents-05-reponse.png", full_page=True)


def test_the_virtual_printers_draft_appears_on_the_screen(make_site, new_page, sign_in, artifacts, tmp_path):
    """DOC-5: what « relais print » sent is attached when the screen opens, its type and date asked at once."""
    from click.testing import CliRunner

    from kernel.commands import cli
    from support.factories import bearer

    site = make_site(plugins=PLUGINS, **mail_settings("a.mssante.fr"))
    with site.app.app_context():
        julie = make_account("julie", "Julie", "Bernard", addresses=("julie@a.mssante.fr",))
        token = bearer(julie)["Authorization"][len("Bearer "):]
    (tmp_path / "Ordonnance imprimée.pdf").write_bytes(PDF)
    result = CliRunner().invoke(cli, ["print", "--serveur", site.url, "--jeton", token,
                                      str(tmp_path / "Ordonnance imprimée.pdf")])
    assert result.exit_code == 0, result.output
    link = result.output.strip().rsplit(" ", 1)[-1]
    assert link == f"{site.url}/envoyer/documents"
    page = new_page()
    sign_in(page, site, "julie", "/envoyer/documents")
    expect(page.locator("[data-field=attachments] .attachment-item[data-id]")).to_have_text(
        re.compile("Ordonnance imprimée.pdf"))
    expect(page.locator(".dynamic-fieldset")).to_contain_text("Type de « Ordonnance imprimée.pdf »")
    page.get_by_placeholder("Rechercher un type (nom ou code LOINC)").fill("prescription médic")
    expect(page.locator(".dynamic-fieldset select option:checked")).to_have_text(
        "Prescription de médicaments (57828-6)")
    page.screenshot(path=artifacts / "documents-06-imprimante.png", full_page=True)
