"""A failed delivery reads in French in the thread's status line; the server's reply sits on a details line
of its own (issue #15 item 8)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from mail.mail_helpers import mail_settings
from plugins.mssante_mail import hooks as mail_plugin
from support.factories import make_account

pytestmark = pytest.mark.browser
DOMAIN = "a.mssante.fr"


def test_a_failed_recipient_is_explained_with_the_code_as_details(make_site, new_page, sign_in, artifacts):
    site = make_site(plugins=[("mssante_mail", mail_plugin)], **mail_settings(DOMAIN))
    with site.app.app_context():
        make_account("julie", "Julie", "Bernard", addresses=(f"julie@{DOMAIN}",))
    page = new_page()
    sign_in(page, site, "julie", "/?espace=mail")
    # The plugin's own module, as the thread loads it, fed the statuses the API gives for a refused mail.
    url = page.evaluate("""() => [...document.querySelectorAll('script[src], link[href]')]
        .map((e) => e.src || e.href).find((u) => u.includes('mssante_mail') && u.endsWith('.js'))""")
    assert url, "the mail plugin's browser code is on the page"
    page.evaluate("""async (url) => {
      const { renderStatus } = await import(url.replace(/[^/]+\\.js$/, 'mail_render.js'));
      const item = document.createElement('div');
      item.id = 'essai';
      item.innerHTML = '<div class="mail-status"></div>';
      document.querySelector('main').prepend(item);
      renderStatus(item, [{address: 'gone@b.mssante.fr', role: 'to', status: 'failed', label: 'échec',
        reason: "L'adresse du destinataire n'existe pas chez son opérateur de messagerie. Détails : 550 5.1.1 No such user"}]);
    }""", url)
    line = page.locator("#essai [data-status=failed]")
    expect(line.locator(".status-reason")).to_contain_text(
        " : L'adresse du destinataire n'existe pas chez son opérateur de messagerie.")
    expect(line.locator(".status-details")).to_have_text("Détails : 550 5.1.1 No such user")
    line.screenshot(path=artifacts / "plain-02-echec-explique.png")
