"""« Mails non distribués » in a real Chromium: an administrator finds held mail from the mail space, releases
one into a professional's mailbox (who then finds it in Réception), discards another after confirming, and
reads a French error where it belongs; a professional who is not an administrator gets no link and a 403."""
from __future__ import annotations

import re
from email import policy
from email.message import EmailMessage

import pytest
from playwright.sync_api import expect

from kernel.mail.models import UndeliveredMail
from kernel.mail.undelivered import accept_from_operator, discard
from mail.mail_helpers import mail_settings
from plugins.mssante_mail import hooks as mail_plugin
from support.factories import make_account

pytestmark = pytest.mark.browser
DOMAIN = "a.mssante.fr"
PAGE = "/admin/mails-non-distribues"


def hold(n: int, to: str, subject: str, mdn: bool = True) -> int:
    """What the IMAP poller does with a mail no mailbox takes (kernel/mail/undelivered.py)."""
    msg = EmailMessage()
    msg["From"] = "secretariat.cardio@chu-annecy.mssante.fr"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = f"<cr-{n}@chu-annecy.mssante.fr>"
    if mdn:
        msg["Disposition-Notification-To"] = "secretariat.cardio@chu-annecy.mssante.fr"
    msg.set_content("Compte rendu de consultation.")
    raw = msg.as_bytes(policy=policy.SMTP)
    assert accept_from_operator(raw, "secretariat.cardio@chu-annecy.mssante.fr", to)[0] == 550
    return UndeliveredMail.get(UndeliveredMail.header_id == f"cr-{n}@chu-annecy.mssante.fr").id


@pytest.fixture
def admin_site(make_site):
    site = make_site(plugins=[("mssante_mail", mail_plugin)], **mail_settings(DOMAIN))
    with site.app.app_context():
        ada = make_account("ada", "Ada", "Lovelace", profession="Administratrice", addresses=(f"ada@{DOMAIN}",))
        ada.is_admin = True
        ada.save()
        make_account("julie", "Julie", "Bernard", profession="Médecin généraliste", addresses=(f"julie@{DOMAIN}",))
        make_account("thomas", "Thomas", "Durand", profession="Cardiologue", addresses=(f"thomas@{DOMAIN}",))
        site.held = [hold(1, f"j.bernard@{DOMAIN}", "Compte rendu Mme Lefèvre"),
                     hold(2, f"ancien.service@{DOMAIN}", "Résultats", mdn=False),
                     hold(3, f"cardiologie@{DOMAIN}", "Échographie")]
    return site


def test_an_administrator_releases_and_discards_held_mail(admin_site, new_page, sign_in, artifacts):
    site = admin_site
    ada = new_page(height=1100)  # the open panel and the rows below it fit without scrolling
    sign_in(ada, site, "ada", "/?espace=mail")
    expect(ada.locator("#inbox")).to_have_attribute("data-loaded", "true")
    link = ada.get_by_role("link", name=re.compile("Mails non distribués"))
    expect(link.locator(".count")).to_have_text("3")
    # The plugin's menu link lives in the mail space's side navigation, under « Administration », only there.
    expect(ada.locator("#space-nav .space-nav-title", has_text="Administration")).to_be_visible()
    ada.screenshot(path=artifacts / "admin-01-lien-espace-mail.png")
    ada.get_by_role("tab", name=re.compile("Conversations")).click()
    expect(link).to_be_hidden()
    ada.get_by_role("tab", name=re.compile("Messagerie sécurisée")).click()
    expect(link).to_be_visible()
    link.click()
    expect(ada).to_have_url(site.url + PAGE)
    expect(ada.locator("#undelivered")).to_have_attribute("data-loaded", "true")
    expect(ada.locator("h1")).to_have_text("Mails non distribués")
    rows = ada.locator("tr.held-row")
    expect(rows).to_have_count(3)
    first = ada.locator(f"tr.held-row[data-id='{site.held[0]}']")
    expect(first.locator(".col-mailbox")).to_contain_text(f"j.bernard@{DOMAIN}")
    expect(first.locator(".col-reason")).to_contain_text(
        f"Aucune identité de la plateforme ne détient l'adresse j.bernard@{DOMAIN}.")
    expect(first.locator(".col-mdn")).to_have_text("Envoyé")
    expect(ada.locator(f"tr.held-row[data-id='{site.held[1]}'] .col-mdn")).to_have_text("Non envoyé")
    expect(first.locator(".col-date .held-date")).to_have_text(re.compile(r"^\d\d/\d\d/\d{4}$"))
    expect(ada.locator("#held-count")).to_have_text("3")
    ada.screenshot(path=artifacts / "admin-02-liste.png")

    # « Remettre dans une boîte »: no mailbox holds j.bernard@, so none is chosen; remettre without one says so.
    first.get_by_role("button", name="Remettre dans une boîte").click()
    panel = ada.locator(f"tr.held-panel[data-panel-for='{site.held[0]}']")
    expect(panel.locator(".help")).to_contain_text("Aucune boîte de la plateforme ne détient cette adresse")
    panel.get_by_role("button", name="Remettre le mail").click()
    expect(panel.locator(".field-error")).to_have_text("Choisissez la boîte où remettre ce mail.")
    box = panel.get_by_label("Boîte où remettre ce mail")
    box.press_sequentially("bernard")
    expect(ada.locator("[role=option]", has_text="Julie BERNARD")).to_be_visible()
    ada.screenshot(path=artifacts / "admin-03-choisir-la-boite.png")
    ada.locator("[role=option]", has_text="Julie BERNARD").first.click()
    expect(panel.locator(".chip")).to_have_text(re.compile(f"Julie BERNARD <julie@{DOMAIN}>"))
    ada.screenshot(path=artifacts / "admin-04-remettre.png")
    panel.get_by_role("button", name="Remettre le mail").click()
    expect(first.locator(".col-actions")).to_contain_text("Remis")
    expect(first.locator(".col-actions")).to_contain_text("dans Julie BERNARD")
    expect(first.locator(".col-actions")).to_contain_text("par Ada LOVELACE")
    expect(ada.locator("#undelivered-status")).to_have_text(
        "Le mail de secretariat.cardio@chu-annecy.mssante.fr a été remis dans la boîte "
        f"« Julie BERNARD » (julie@{DOMAIN}).")
    expect(ada.locator("#held-count")).to_have_text("2")
    ada.screenshot(path=artifacts / "admin-05-remis.png")

    # « Supprimer définitivement », confirmed in place.
    second = ada.locator(f"tr.held-row[data-id='{site.held[1]}']")
    second.get_by_role("button", name="Supprimer définitivement").click()
    confirm = ada.locator(f"tr.held-panel[data-panel-for='{site.held[1]}']")
    expect(confirm).to_contain_text("L'expéditeur n'a pas reçu d'accusé d'erreur : prévenez-le si nécessaire.")
    ada.screenshot(path=artifacts / "admin-06-confirmer-suppression.png")
    confirm.get_by_role("button", name="Supprimer définitivement").click()
    expect(second.locator(".col-actions")).to_contain_text("Supprimé")
    expect(ada.locator("#held-count")).to_have_text("1")

    # Another administrator settled the third one meanwhile: the French error shows in its panel.
    third = ada.locator(f"tr.held-row[data-id='{site.held[2]}']")
    third.get_by_role("button", name="Remettre dans une boîte").click()
    panel = ada.locator(f"tr.held-panel[data-panel-for='{site.held[2]}']")
    panel.get_by_label("Boîte où remettre ce mail").press_sequentially("durand")
    ada.locator("[role=option]", has_text="Thomas DURAND").first.click()
    with site.app.app_context():
        discard(site.held[2], 1)
    panel.get_by_role("button", name="Remettre le mail").click()
    expect(panel.locator(".field-error")).to_have_text(
        "Ce mail a été supprimé définitivement : il ne peut plus être remis.")
    ada.screenshot(path=artifacts / "admin-07-erreur.png")

    # « Traités »: what became of each.
    ada.get_by_role("button", name="Traités").click()
    expect(ada).to_have_url(site.url + PAGE + "?etat=resolved")
    expect(rows).to_have_count(3)
    expect(ada.locator("#held-count")).to_be_hidden()
    ada.screenshot(path=artifacts / "admin-08-traites.png")
    ada.get_by_role("button", name="En attente").click()
    expect(ada.locator("#undelivered-empty")).to_contain_text("Aucun mail en attente")

    # Julie finds the released mail in her Réception.
    julie = new_page()
    sign_in(julie, site, "julie", "/?espace=mail")
    expect(julie.locator("#inbox")).to_have_attribute("data-loaded", "true")
    expect(julie.locator("#folder-list [aria-current=true]")).to_have_text("Boîte de réception")
    expect(julie.locator("#exchange-list .exchange", has_text="Compte rendu Mme Lefèvre")).to_have_count(1)
    expect(julie.get_by_role("link", name=re.compile("Mails non distribués"))).to_have_count(0)
    julie.screenshot(path=artifacts / "admin-09-reception-julie.png")


def test_a_professional_who_is_not_administrator_gets_no_link_and_a_403_page(admin_site, new_page, sign_in, artifacts):
    thomas = new_page()
    sign_in(thomas, admin_site, "thomas", "/?espace=mail")
    expect(thomas.locator("#mail-nav")).to_be_visible()
    expect(thomas.locator("#mssante_mail_undelivered")).to_have_count(0)
    expect(thomas.get_by_text("Administration")).to_have_count(0)
    response = thomas.goto(admin_site.url + PAGE)
    assert response.status == 403
    expect(thomas.locator("h1")).to_have_text("Accès réservé")
    expect(thomas.get_by_text("Cette page est réservée aux administrateurs de la plateforme.")).to_be_visible()
    thomas.screenshot(path=artifacts / "admin-10-acces-reserve.png")
