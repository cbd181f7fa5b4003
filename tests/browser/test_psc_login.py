"""Signing in with Pro Santé Connect in Chromium, through a real OpenID provider on loopback
(tests/support/oidc_provider), then logging out of both."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from support.psc_provider import CODE, psc_provider  # noqa: F401  (fixture)

SHOTS = "/tmp/shots/h7"


def test_sign_in_with_pro_sante_connect_then_log_out_of_both(make_site, psc_provider, national_directory,  # noqa: F811
                                                              new_page):
    site = make_site(**psc_provider.settings())
    national_directory(site, [national_directory.row("sophie.leroy@medecin.mssante.fr", "10011112222", "Sophie",
                                                     "Leroy", ("10", "Médecin"), "CABINET DU LAC",
                                                     ("Annecy", "74000", "74"))])
    login = psc_provider.add_professional("10011112222", "Sophie", "LEROY")
    page = new_page()
    page.goto(site.url + "/")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    button = page.get_by_role("link", name="Se connecter avec Pro Santé Connect")
    expect(button).to_be_visible()
    expect(page.get_by_text("Avec votre carte CPS ou l’application e-CPS.")).to_be_visible()
    page.screenshot(path=f"{SHOTS}/login_with_psc.png")
    button.click()
    # The provider's own pages: its login form, then its consent.
    page.get_by_label("Identifiant national").fill(login)
    page.get_by_label("Code e-CPS").fill(CODE)
    page.get_by_role("button", name="Valider").click()
    page.get_by_role("button", name="Autoriser").click()
    expect(page).to_have_url(site.url + "/")  # the inbox
    expect(page.locator(".who-name")).to_have_text("Sophie LEROY")
    page.screenshot(path=f"{SHOTS}/signed_in.png")
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page).to_have_url(re.compile(re.escape(site.url) + r"/login(\?|$)"))
    expect(page.get_by_role("status")).to_have_text("Vous êtes déconnecté.")
    # The provider's session ended too: it asks for the code again.
    page.get_by_role("link", name="Se connecter avec Pro Santé Connect").click()
    expect(page.get_by_label("Code e-CPS")).to_be_visible()
    expect(page.get_by_label("Identifiant national")).to_have_value("")


def test_with_passwords_off_the_login_page_offers_pro_sante_connect_only(make_site, psc_provider,  # noqa: F811
                                                                         new_page):
    site = make_site(**psc_provider.settings(password_login=False))
    page = new_page()
    page.goto(site.url + "/login")
    expect(page.get_by_role("link", name="Se connecter avec Pro Santé Connect")).to_be_visible()
    expect(page.get_by_label("Mot de passe")).to_have_count(0)
    expect(page.get_by_text("ou avec votre identifiant")).to_have_count(0)
    page.screenshot(path=f"{SHOTS}/login_psc_only.png")


def test_a_professional_the_directory_does_not_know_is_told_why(make_site, psc_provider, new_page):  # noqa: F811
    site = make_site(**psc_provider.settings())
    login = psc_provider.add_professional("10033334444", "Jean", "INCONNU")
    page = new_page()
    page.goto(site.url + "/login")
    page.get_by_role("link", name="Se connecter avec Pro Santé Connect").click()
    page.get_by_label("Identifiant national").fill(login)
    page.get_by_label("Code e-CPS").fill(CODE)
    page.get_by_role("button", name="Valider").click()
    page.get_by_role("button", name="Autoriser").click()
    expect(page.get_by_role("alert")).to_have_text(
        "Votre numéro RPPS (10033334444) ne figure pas dans l’annuaire des professionnels de la plateforme : "
        "aucun compte ne peut vous être ouvert. Contactez l’administrateur de la plateforme.")
    expect(page.get_by_role("link", name="Se connecter avec Pro Santé Connect")).to_be_visible()
    page.screenshot(path=f"{SHOTS}/refused_unknown_rpps.png")
