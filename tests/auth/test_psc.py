"""Sign-in with Pro Santé Connect through a real OpenID provider on loopback (tests/support/oidc_provider)."""
from __future__ import annotations

import requests

from kernel.models import Account, AuditEvent, BrowserSession, MailAddress

from support.psc_flow import error_banner, sign_in_at_provider


def audit(app, action: str = "login.psc") -> list[AuditEvent]:
    with app.app_context():
        return list(AuditEvent.select().where(AuditEvent.action == action).order_by(AuditEvent.id))


def test_first_sign_in_creates_the_account_from_the_national_directory(make_psc_site, psc_provider):
    site = make_psc_site()
    site.directory("10001234567", "Anne", "Martin", ("anne.martin@medecin.mssante.fr",))
    login = psc_provider.add_professional("10001234567", "Anne", "MARTIN")
    browser = requests.Session()
    landed = sign_in_at_provider(browser, site, login)
    assert landed.status_code == 200 and landed.url == site.url + "/", (landed.url, landed.text[:300])
    with site.app.app_context():
        account = Account.get(Account.rpps == "10001234567")
        assert (account.first_name, account.last_name, account.profession) == ("Anne", "MARTIN", "Médecin")
        assert [m.address for m in MailAddress.select().where(MailAddress.identity == account.identity_id)] == [
            "anne.martin@medecin.mssante.fr"]
        session_row = BrowserSession.get(BrowserSession.account == account.id)
        assert session_row.psc_id_token and session_row.psc_id_token.count(".") == 2
    assert "Anne MARTIN" in landed.text
    events = audit(site.app)
    assert [(e.outcome, e.account_id) for e in events] == [("ok", account.id)]
