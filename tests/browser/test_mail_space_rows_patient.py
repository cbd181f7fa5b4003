"""The mail space in a real Chromium, as a mail client: rows name the sender (or the recipients in
"Envoyés") with a preview, a thread can be marked unread, and a received mail gets its patient, then
is found by searching the patient's name without its accents."""
from __future__ import annotations

import datetime as dt
import re
from email.headerregistry import Address
from email.message import EmailMessage

import pytest
from playwright.sync_api import expect

from kernel.mail.inbound import accept
from kernel.services.patients import mark_used
from mail.mail_helpers import mail_settings, relais_of
from plugins.mssante_mail import hooks as mail_plugin
from support.factories import bearer, make_account, make_patient

pytestmark = pytest.mark.browser
DOMAIN = "a.mssante.fr"


@pytest.fixture
def mail_site(make_site):
    site = make_site(plugins=[("mssante_mail", mail_plugin)], **mail_settings(DOMAIN))
    with site.app.app_context():
        julie = make_account("julie", "Julie", "Bernard", profession="Médecin généraliste",
                             addresses=(f"julie@{DOMAIN}",))
        make_account("thomas", "Thomas", "Durand", profession="Cardiologue", addresses=(f"thomas@{DOMAIN}",))
        mark_used(julie, make_patient("Éloïse", "GÉRARD", birth_date=dt.date(1950, 5, 2)))
        # Julie wrote to Thomas (delivered on this platform) and received a mail from outside.
        r = site.app.test_client().post("/api/v1/channels/mssante_mail/exchanges", headers=bearer(julie), json={
            "acting_as": julie.identity_id, "recipients": [f"thomas@{DOMAIN}"], "subject": "Avis cardiologique",
            "body": "<p>Pourriez-vous voir Mme Gérard cette semaine ?</p>"})
        assert r.status_code == 201, r.json
        while relais_of(site.app).jobs.run_pending():
            pass
        msg = EmailMessage()
        msg["From"] = Address(display_name="Émilie Lefèvre", addr_spec="emilie.lefevre@chu.mssante.fr")
        msg["To"] = f"julie@{DOMAIN}"
        msg["Subject"] = "Compte rendu de consultation"
        msg.set_content("Bonjour, voici le compte rendu.")
        msg.add_alternative("<p>Bonjour,</p><p>voici le <strong>compte rendu</strong> de Mme Gérard.</p>", subtype="html")
        msg.add_attachment(b"%PDF-1.4 compte rendu", maintype="application", subtype="pdf", filename="CR.pdf")
        assert accept(msg.as_bytes(), "emilie.lefevre@chu.mssante.fr", [f"julie@{DOMAIN}"], source="local")
    return site


def test_rows_mark_unread_patient_and_search_by_patient(mail_site, new_page, sign_in, artifacts):
    site = mail_site
    page = new_page()
    sign_in(page, site, "julie", "/?espace=mail")
    expect(page.locator("#inbox")).to_have_attribute("data-loaded", "true")

    # Boîte de réception: the sender by name, the subject, one line of the body, the paperclip, unread.
    row = page.locator("#exchange-list .exchange", has_text="Compte rendu de consultation")
    expect(row.locator(".mail-row-who")).to_have_text("Émilie Lefèvre")
    expect(row.locator(".mail-row-who")).to_have_attribute("title", "Émilie Lefèvre <emilie.lefevre@chu.mssante.fr>")
    expect(row.locator(".mail-row-preview")).to_have_text("Bonjour, voici le compte rendu de Mme Gérard.")
    expect(row.locator(".mail-row-files")).to_have_attribute("aria-label", "1 pièce jointe")
    expect(row).to_have_class(re.compile("unread"))
    expect(page.locator("#exchange-list .exchange")).to_have_count(1)  # what Julie sent is not in here
    page.screenshot(path=artifacts / "mail-space-01-reception.png")

    # Envoyés: "À : " the recipient's name, and the delivery status.
    page.locator("#folder-list [data-folder=sent]").click()
    sent = page.locator("#exchange-list .exchange", has_text="Avis cardiologique")
    expect(sent.locator(".mail-row-who")).to_have_text("À : Thomas DURAND")
    expect(sent.locator(".mail-row-preview")).to_have_text("Pourriez-vous voir Mme Gérard cette semaine ?")
    expect(sent.locator(".status")).to_have_text("remis")
    page.screenshot(path=artifacts / "mail-space-02-envoyes.png")

    # Opened, it is read; "Marquer comme non lu" brings it back, with the mailbox's count.
    page.locator("#folder-list [data-folder=inbox]").click()
    with page.expect_response(re.compile(r"/read$")):  # the thread page marks what it shows as read
        row.locator(".exchange-subject").click()
    expect(page.locator("#messages .msg-mail")).to_have_count(1)
    page.get_by_role("link", name="← Messagerie sécurisée").click()
    expect(page.locator("#inbox")).to_have_attribute("data-loaded", "true")
    expect(row).not_to_have_class(re.compile("unread"))
    expect(page.locator("#mailbox-list .count")).to_have_count(0)
    with page.expect_response(re.compile(r"/read$")):
        row.locator(".exchange-subject").click()
    page.get_by_role("button", name="Marquer comme non lu").click()
    expect(page).to_have_url(site.url + "/?espace=mail")
    expect(row).to_have_class(re.compile("unread"))
    expect(row.locator(".badge")).to_have_text("1")
    expect(page.locator("#mailbox-list .count")).to_have_text("1")
    page.screenshot(path=artifacts / "mail-space-03-non-lu.png")

    # The thread's patient, chosen with the patient picker.
    row.locator(".exchange-subject").click()
    expect(page.locator("#thread")).to_have_attribute("data-ready", "true")
    page.get_by_role("button", name="Patient", exact=True).click()
    picker = page.locator("#mail-patient-input")
    picker.click()
    picker.press_sequentially("gérard")
    page.locator("[role=option]", has_text="Éloïse GÉRARD").first.click()
    page.screenshot(path=artifacts / "mail-space-04-choix-patient.png")
    page.locator("#mail-patient").get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#mail-patient")).to_be_hidden()
    expect(page.locator("#thread-patient")).to_contain_text("Éloïse GÉRARD (née GÉRARD) née le 02/05/1950")
    page.screenshot(path=artifacts / "mail-space-05-patient-choisi.png")

    # Found by the patient's name typed without accents; the row shows the patient.
    page.get_by_role("link", name="← Messagerie sécurisée").click()
    expect(page.locator("#inbox")).to_have_attribute("data-loaded", "true")
    search = page.get_by_label("Rechercher dans les mails")
    search.fill("eloise gerard")
    search.press("Enter")
    expect(page.locator("#exchange-list .exchange")).to_have_count(1)
    expect(row.locator(".exchange-patient")).to_contain_text("Éloïse GÉRARD")
    search.fill("durand")
    search.press("Enter")
    expect(page.locator("#inbox-empty")).to_have_text("Aucun mail ne correspond à cette recherche.")
    search.fill("eloise")
    search.press("Enter")
    expect(row).to_be_visible()
    page.screenshot(path=artifacts / "mail-space-06-recherche-patient.png")
