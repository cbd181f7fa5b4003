"""The secure mail space in a real Chromium: one platform, two professionals on its own mail domain
(local delivery), from the rich mail form to the inbox, the mail thread, reply, status, forward and delete."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from mail.mail_helpers import mail_settings, relais_of
from plugins.mssante_mail import hooks as mail_plugin
from support.factories import make_account

pytestmark = pytest.mark.browser
DOMAIN = "a.mssante.fr"


@pytest.fixture
def mail_site(make_site):
    site = make_site(plugins=[("mssante_mail", mail_plugin)], **mail_settings(DOMAIN))
    with site.app.app_context():
        make_account("julie", "Julie", "Bernard", profession="Médecin généraliste", addresses=(f"julie@{DOMAIN}",))
        make_account("thomas", "Thomas", "Durand", profession="Cardiologue", addresses=(f"thomas@{DOMAIN}",))
        make_account("paul", "Paul", "Leroy", profession="Kinésithérapeute", addresses=(f"paul@{DOMAIN}",))
    return site


def run_jobs(site) -> int:
    """Every due job (sending, local delivery, acknowledgements), until none is left."""
    done = 0
    with site.app.app_context():
        while (ran := relais_of(site.app).jobs.run_pending()):
            done += ran
    return done


def pick(page, input_id, text, option):
    box = page.locator(f"#{input_id}")
    box.click()
    box.press_sequentially(text)
    page.locator("[role=option]", has_text=option).first.click()


def test_write_receive_reply_status_forward_and_delete(mail_site, new_page, sign_in, artifacts):
    site = mail_site
    julie, thomas = new_page(), new_page()
    sign_in(julie, site, "julie", "/envoyer/mssante_mail")

    # The form: recipient from the directory (MSSanté addresses), subject, rich body.
    pick(julie, "champ-recipients", "durand", "Thomas DURAND")
    expect(julie.locator("[data-field=recipients] .chip")).to_have_count(1)
    julie.get_by_label("Objet").fill("Échographie de Mme Lefèvre")
    body = julie.get_by_role("textbox", name="Message")
    body.click()
    body.press_sequentially("Bonjour, ")
    julie.get_by_role("button", name="Gras (Ctrl+B)").click()
    body.press_sequentially("résultats joints")
    julie.get_by_role("button", name="Gras (Ctrl+B)").click()
    body.press_sequentially(".")
    expect(body.locator("b, strong")).to_have_text("résultats joints")
    julie.screenshot(path=artifacts / "mail-01-formulaire.png")
    body.press("Control+Enter")
    expect(julie).to_have_url(re.compile(r"/echanges/\d+$"))
    expect(julie.locator("#thread")).to_have_attribute("data-ready", "true")
    sent = julie.locator("#messages .msg-mail").first
    expect(sent.locator(".mail-to dd")).to_have_text(f"thomas@{DOMAIN}")
    expect(sent.locator(".mail-status .status")).to_contain_text("en attente")
    # Nothing received in this thread yet: nothing to mark unread.
    expect(julie.get_by_role("button", name="Marquer comme non lu")).to_be_hidden()

    # Delivered on the same platform; Thomas sees it unread in his Boîte de réception.
    assert run_jobs(site) >= 1
    sign_in(thomas, site, "thomas", "/?espace=mail")
    expect(thomas.locator("#inbox")).to_have_attribute("data-loaded", "true")
    expect(thomas.locator("#mail-nav")).to_be_visible()
    expect(thomas.locator("#folder-list [aria-current=true]")).to_have_text("Boîte de réception")
    row = thomas.locator("#exchange-list .exchange", has_text="Échographie de Mme Lefèvre")
    expect(row).to_have_class(re.compile("unread"))
    expect(row.locator(".badge")).to_have_text("1")
    expect(thomas.locator("#mailbox-list .count")).to_have_text("1")
    thomas.screenshot(path=artifacts / "mail-02-boite-de-reception.png")
    # The search box: by subject, then nothing for an unknown word.
    thomas.get_by_label("Rechercher dans les mails").fill("lefèvre")
    thomas.get_by_label("Rechercher dans les mails").press("Enter")
    expect(thomas.locator("#exchange-list .exchange")).to_have_count(1)
    thomas.get_by_label("Rechercher dans les mails").fill("introuvable")
    thomas.get_by_label("Rechercher dans les mails").press("Enter")
    expect(thomas.locator("#inbox-empty")).to_have_text("Aucun mail ne correspond à cette recherche.")
    thomas.get_by_label("Rechercher dans les mails").fill("")
    expect(row).to_be_visible()
    # Sent folder: nothing written yet.
    thomas.locator("#folder-list [data-folder=sent]").click()
    expect(thomas.locator("#inbox-empty")).to_have_text("Aucun mail envoyé depuis cette boîte.")
    thomas.locator("#folder-list [data-folder=inbox]").click()

    # Thomas opens it: a mail, with its HTML body rendered.
    row.locator(".exchange-subject").click()
    expect(thomas.locator("#thread")).to_have_attribute("data-ready", "true")
    received = thomas.locator("#messages .msg-mail").first
    expect(received.locator(".mail-from dd")).to_have_text(f"Julie BERNARD <julie@{DOMAIN}>")
    expect(received.locator(".mail-subject")).to_have_text("Échographie de Mme Lefèvre")
    expect(received.locator(".mail-body strong, .mail-body b")).to_have_text("résultats joints")
    expect(thomas.locator("#composer")).to_be_hidden()
    thomas.screenshot(path=artifacts / "mail-03-mail-recu.png")

    # Répondre: the mail writing box, sent with Ctrl+Enter through the reply route.
    thomas.get_by_role("button", name="Répondre", exact=True).click()
    expect(thomas.locator(".mail-compose-title")).to_have_text(re.compile("^Répondre à"))
    reply = thomas.get_by_role("textbox", name="Votre mail")
    reply.press_sequentially("Merci, je la vois demain.")
    thomas.screenshot(path=artifacts / "mail-04-reponse.png")
    reply.press("Control+Enter")
    expect(thomas.locator("#messages .msg-mail")).to_have_count(2)
    mine = thomas.locator("#messages .msg-mail.msg-mine")
    expect(mine.locator(".mail-subject")).to_have_text("Re: Échographie de Mme Lefèvre")
    expect(mine.locator(".mail-to dd")).to_have_text(f"julie@{DOMAIN}")
    expect(thomas.locator("#mail-compose")).to_be_hidden()

    # Julie gets the reply live in her thread, and sees her mail "remis".
    assert run_jobs(site) >= 1
    expect(julie.locator("#messages .msg-mail")).to_have_count(2)
    expect(julie.locator("#messages .msg-mail").last.locator(".mail-body")).to_have_text("Merci, je la vois demain.")
    expect(sent.locator(".mail-status .status")).to_contain_text("remis")
    expect(sent.locator(".mail-status .status")).to_have_attribute("data-status", "delivered")
    julie.screenshot(path=artifacts / "mail-05-remis-et-reponse.png")

    # Transférer to a colleague: a new mail thread "Tr: …" with the original quoted.
    julie.get_by_role("button", name="Transférer").click()
    pick(julie, "mail-forward-to", "leroy", "Paul LEROY")
    julie.get_by_role("textbox", name="Votre mail").press_sequentially("Pour information.")
    julie.screenshot(path=artifacts / "mail-06-transfert.png")
    julie.locator("#mail-compose").get_by_role("button", name="Transférer").click()
    expect(julie.locator("#thread-subject")).to_have_text("Tr: Échographie de Mme Lefèvre")
    forwarded = julie.locator("#messages .msg-mail").first
    expect(forwarded.locator(".mail-to dd")).to_have_text(f"paul@{DOMAIN}")
    expect(forwarded.locator(".mail-body")).to_contain_text("Message transféré")
    expect(forwarded.locator(".mail-body")).to_contain_text("Pour information.")

    # Supprimer, confirmed: back to the mail space, the thread gone from Thomas's mailbox.
    thomas.once("dialog", lambda dialog: dialog.accept())
    thomas.get_by_role("button", name="Supprimer").click()
    expect(thomas).to_have_url(site.url + "/?espace=mail")
    expect(thomas.locator("#inbox")).to_have_attribute("data-loaded", "true")
    expect(thomas.locator("#exchange-list .exchange")).to_have_count(0)
    expect(thomas.locator("#inbox-empty")).to_have_text("Aucun mail reçu dans cette boîte.")
    thomas.screenshot(path=artifacts / "mail-07-apres-suppression.png")
