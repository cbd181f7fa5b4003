"""In a real Chromium: replying to a mail whose Reply-To is not its sender says where the reply will go."""
from __future__ import annotations

import re
from email.message import EmailMessage

import pytest
from playwright.sync_api import expect

from kernel.mail.inbound import accept
from mail.mail_helpers import mail_settings
from plugins.mssante_mail import hooks as mail_plugin
from support.factories import make_account

pytestmark = pytest.mark.browser
DOMAIN = "a.mssante.fr"


def _receive(to: str, subject: str, **headers: str) -> None:
    msg = EmailMessage()
    msg["From"] = "Dr Paul Noir <paul.noir@chu.mssante.fr>"
    msg["To"] = to
    msg["Subject"] = subject
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content("Bonjour.")
    assert accept(msg.as_bytes(), "paul.noir@chu.mssante.fr", [to], source="local")[to][0] == 250


def test_the_reply_form_warns_of_a_reply_to_other_than_the_sender(make_site, new_page, sign_in):
    site = make_site(plugins=[("mssante_mail", mail_plugin)], **mail_settings(DOMAIN))
    with site.app.app_context():
        make_account("julie", "Julie", "Bernard", addresses=(f"julie@{DOMAIN}",))
        _receive(f"julie@{DOMAIN}", "Sans détour")
        _receive(f"julie@{DOMAIN}", "Avec détour", Reply_To="collecte@ailleurs.fr")
    page = new_page()
    sign_in(page, site, "julie", "/?espace=mail")
    for subject, warning in (("Avec détour", "Votre réponse partira à collecte@ailleurs.fr, qui n'est pas "
                                             "l'expéditeur paul.noir@chu.mssante.fr."), ("Sans détour", None)):
        page.goto(site.url + "/?espace=mail")
        page.locator("#exchange-list .exchange", has_text=subject).locator(".exchange-subject").click()
        expect(page).to_have_url(re.compile(r"/echanges/\d+$"))
        expect(page.locator("#thread")).to_have_attribute("data-ready", "true")
        page.get_by_role("button", name="Répondre", exact=True).click()
        note = page.locator(".mail-reply-elsewhere")
        if warning:
            expect(note).to_be_visible()
            expect(note).to_have_text(warning)
            # Transférer chooses its recipients: no such warning there.
            page.get_by_role("button", name="Transférer").click()
            expect(note).to_be_hidden()
        else:
            expect(note).to_be_hidden()
