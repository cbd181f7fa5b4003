"""In a real Chromium: writing to a patient's Mon Espace Santé. Who the INS reaches appears as it is typed, a
wrong key is said at the field at once, the send leaves through the transport and the thread says who and how."""
from __future__ import annotations

import datetime as dt
import re
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from playwright.sync_api import expect

from kernel.ins import compute_key
from kernel.mail import OutgoingMail, accept
from mail.mail_helpers import mail_settings
from plugins.mssante_mail import hooks as mail_plugin
from plugins.usager import hooks as usager_plugin
from support.factories import bearer, make_account, make_patient

pytestmark = pytest.mark.browser
DOMAIN = "a.mssante.fr"
MARIE = "2850377123456" + compute_key("2850377123456")
WRONG_KEY = MARIE[:-2] + ("01" if MARIE[-2:] != "01" else "02")


def test_the_decoded_ins_appears_as_the_user_types_and_the_send_works(make_site, new_page, sign_in, artifacts):
    site = make_site(plugins=[("mssante_mail", mail_plugin), ("usager", usager_plugin)], **mail_settings(DOMAIN))
    with site.app.app_context():
        julie = make_account("julie", "Julie", "Bernard", addresses=(f"julie@{DOMAIN}",))
        make_patient("Marie", "DUPONT", "F", birth_date=dt.date(1985, 3, 12), ins=MARIE, in_care_of=julie)
    page = new_page()
    sign_in(page, site, "julie", "/envoyer/usager")
    ins = page.get_by_label("INS du patient")
    field = page.locator('[data-field="ins"]')
    recipient = page.locator('[data-field="usager_destinataire"] .suggestions')

    # A wrong first digit is said at once, at the field.
    ins.press_sequentially("5")
    expect(field.locator(".field-error")).to_contain_text("Le matricule INS commence par 1 (homme) ou 2 (femme)")
    ins.fill("")
    # Half typed: what it already says.
    ins.press_sequentially("2 85 03 77", delay=15)
    expect(recipient).to_contain_text("Vous vous apprêtez à écrire à : une femme, née en mars 1985, née dans le "
                                      "département 77 (Seine-et-Marne)… (encore 8 caractères à saisir)")
    page.screenshot(path=str(artifacts / "usager_typing.png"), full_page=True)
    # The whole matricule, typed with spaces: who it reaches, the address, the patient known to the user.
    ins.press_sequentially(" 123 456 " + MARIE[-2:], delay=15)
    expect(recipient).to_be_visible()
    expect(recipient).to_contain_text("Vous vous apprêtez à écrire à : une femme, née en mars 1985, née dans le "
                                      "département 77 (Seine-et-Marne).")
    expect(recipient).to_contain_text(f"Adresse Mon Espace Santé : {MARIE}@patient.mssante.fr")
    expect(recipient.locator(".suggestion-label")).to_have_text("Marie DUPONT (née DUPONT) née le 12/03/1985")
    expect(field.locator(".field-error")).to_be_hidden()
    page.get_by_label("Objet").fill("Vos résultats")
    page.locator(".field-message [contenteditable]").first.click()
    page.keyboard.type("Bonjour Madame, vos résultats sont normaux.")
    page.screenshot(path=str(artifacts / "usager_compose.png"), full_page=True)

    # A wrong key: said at the field as soon as the 15th character is typed; the decoding goes.
    ins.fill("")
    ins.press_sequentially(WRONG_KEY, delay=10)
    expect(field.locator(".field-error")).to_have_text("La clé du matricule INS ne correspond pas : un chiffre a sans "
                                                       "doute été mal saisi, vérifiez le numéro.")
    expect(recipient).to_be_hidden()
    page.screenshot(path=str(artifacts / "usager_wrong_key.png"), full_page=True)
    # Sent anyway: refused, the same message at the field.
    page.get_by_role("button", name="Envoyer").click()
    expect(field.locator(".field-error")).to_contain_text("La clé du matricule INS ne correspond pas")

    ins.fill(MARIE)
    expect(recipient).to_contain_text("Seine-et-Marne")
    page.get_by_label("Ne pas permettre de réponse").check()
    page.get_by_role("button", name="Envoyer").click()
    expect(page).to_have_url(re.compile(r"/echanges/\d+$"))
    expect(page.locator("#thread")).to_have_attribute("data-ready", "true")
    expect(page.get_by_text("Le patient ne peut pas répondre à cet échange.", exact=False)).to_be_visible()
    page.screenshot(path=str(artifacts / "usager_thread.png"), full_page=True)
    with site.app.app_context():
        sent = OutgoingMail.get()
        assert b"X-MSS-MES: FIN" in bytes(sent.raw) and f"{MARIE}@patient.mssante.fr".encode() in bytes(sent.raw)


def test_the_patients_answer_shows_in_the_thread(make_site, new_page, sign_in, artifacts):
    site = make_site(plugins=[("mssante_mail", mail_plugin), ("usager", usager_plugin)], **mail_settings(DOMAIN))
    with site.app.app_context():
        julie = make_account("julie", "Julie", "Bernard", addresses=(f"julie@{DOMAIN}",))
        r = site.app.test_client().post("/api/v1/channels/usager/exchanges", headers=bearer(julie), json={
            "acting_as": julie.identity_id, "ins": MARIE, "subject": "Vos résultats",
            "body": "Bonjour Madame, vos résultats sont normaux."})
        assert r.status_code == 201, r.json
        exchange_id = r.json["exchange"]["id"]
        reply = EmailMessage()
        reply["From"] = f"Marie Dupont <{MARIE}@patient.mssante.fr>"
        reply["To"] = f"julie@{DOMAIN}"
        reply["Subject"] = "Re: Vos résultats"
        reply["Message-ID"] = make_msgid(domain="patient.mssante.fr")
        reply["In-Reply-To"] = f"<{OutgoingMail.get().message_id}>"
        reply.set_content("Merci docteur, à bientôt.")
        accept(reply.as_bytes(), f"{MARIE}@patient.mssante.fr", [f"julie@{DOMAIN}"], source="smtp")
    page = new_page()
    sign_in(page, site, "julie", f"/echanges/{exchange_id}")
    expect(page.locator("#thread")).to_have_attribute("data-ready", "true")
    expect(page.get_by_text("Merci docteur, à bientôt.")).to_be_visible()
    expect(page.get_by_text("Le patient peut répondre : sa réponse arrivera dans cet échange.")).to_be_visible()
    page.screenshot(path=str(artifacts / "usager_reply.png"), full_page=True)
    # In the mail space, with the other mail.
    page.goto(site.url + "/?espace=mail")
    expect(page.locator("#exchange-list .exchange", has_text="Vos résultats")).to_be_visible()
    page.screenshot(path=str(artifacts / "usager_mail_space.png"))
