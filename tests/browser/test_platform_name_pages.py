"""The platform's configured name (setting platform_name) is what the pages say, titles written by the browser
code included (issue 15, item 5): « Mails non distribués » is titled with the platform's name, never the
software's; its held count stays at its heading (a « (n) » in front of a tab's title is the unread count)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from browser.test_mail_undelivered_admin import DOMAIN, PAGE, hold
from mail.mail_helpers import mail_settings
from plugins.mssante_mail import hooks as mail_plugin
from support.factories import make_account

pytestmark = pytest.mark.browser
NAME = "Santé Lac Annecy"


def test_the_undelivered_page_title_carries_the_configured_name(make_site, new_page, sign_in):
    site = make_site(plugins=[("mssante_mail", mail_plugin)], platform_name=NAME, **mail_settings(DOMAIN))
    with site.app.app_context():
        ada = make_account("ada", "Ada", "Lovelace", profession="Administratrice", addresses=(f"ada@{DOMAIN}",))
        ada.is_admin = True
        ada.save()
        hold(1, f"j.bernard@{DOMAIN}", "Compte rendu Mme Lefèvre")
    page = new_page()
    sign_in(page, site, "ada", PAGE)
    expect(page.locator("#undelivered")).to_have_attribute("data-loaded", "true")
    expect(page.locator("#held-count")).to_have_text("1")
    expect(page).to_have_title(f"Mails non distribués · {NAME}")
    assert "Relais Santé" not in page.content()
