"""The administration in Chromium: accounts (a bad RPPS then a good one, a deactivation closing the user's open
page, a one-time password link used once), a structure whose new member can act for it, a CSV import."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kernel.models import Account
from support.factories import make_account

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots/h6")


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def admin_site(site):
    with site.app.app_context():
        make_account("ada", "Ada", "Admin", is_admin=True)
    return site


def test_create_an_account_bad_rpps_at_its_field_then_good(admin_site, new_page, sign_in):
    site = admin_site
    page = new_page()
    sign_in(page, site, "ada", "/")
    page.locator(".topbar-links").get_by_role("link", name="Administration").click()
    expect(page).to_have_url(f"{site.url}/admin/comptes")
    page.get_by_role("link", name="Nouveau compte").click()
    page.get_by_label("Identifiant de connexion").fill("julie.bernard")
    page.get_by_label("Prénom").fill("Julie")
    page.get_by_role("textbox", name="Nom", exact=True).fill("Bernard")
    page.get_by_label("Profession", exact=True).fill("Médecin généraliste")
    page.get_by_label("Numéro RPPS").fill("10003412871")
    page.get_by_label("Adresses MSSanté").fill("julie.bernard@cabinet.mssante.fr")
    page.get_by_role("button", name="Créer le compte").click()
    error = page.locator("#erreur-rpps")
    expect(error).to_have_text("Le numéro RPPS « 10003412871 » est erroné : sa clé (dernier chiffre) ne correspond "
                               "pas. Vérifiez-le.")
    expect(page.get_by_label("Numéro RPPS")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#erreur-login")).to_be_hidden()
    _shot(page, "account_new_bad_rpps")
    with site.app.app_context():
        assert not Account.select().where(Account.login == "julie.bernard").exists()

    page.get_by_label("Numéro RPPS").fill("10003412870")
    page.get_by_role("button", name="Créer le compte").click()
    expect(page.locator("#account-form .form-done")).to_contain_text("Compte créé.")
    expect(error).to_be_hidden()
    expect(page.locator("#account-form-link")).to_have_value(re.compile(r"/mot-de-passe/[\w-]{30,}$"))
    _shot(page, "account_new_created")
    page.get_by_role("link", name="Ouvrir la fiche").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Julie BERNARD")
    expect(page.get_by_label("Numéro RPPS")).to_have_value("10003412870")
    _shot(page, "account_page")
    page.goto(f"{site.url}/admin/comptes?q=cabinet")
    expect(page.locator("#account-list tbody tr")).to_have_count(1)
    expect(page.locator("#account-list tbody tr")).to_have_attribute("data-login", "julie.bernard")
    _shot(page, "accounts_list")


def test_deactivating_an_account_closes_its_open_page(admin_site, new_page, sign_in):
    site = admin_site
    with site.app.app_context():
        bob = make_account("bob", "Bob", "Durand")
    user = new_page()
    sign_in(user, site, "bob", "/")
    expect(user.locator("body")).to_have_attribute("data-live", "connected")
    admin = new_page()
    sign_in(admin, site, "ada", f"/admin/comptes/{bob.id}")
    button = admin.locator("#deactivate-form button")
    expect(button).to_have_text("Désactiver le compte")
    button.click()
    expect(button).to_have_text("Confirmer la désactivation")  # asked once more: it closes someone's pages
    button.click()
    expect(admin.locator("#account-state")).to_have_text("Désactivé")
    _shot(admin, "account_deactivated")
    # Bob's open page loses its socket and lands on the login page, without him doing anything.
    expect(user).to_have_url(re.compile(r"/login"), timeout=15_000)
    _shot(user, "deactivated_user_login")
    admin.get_by_role("button", name="Réactiver le compte").click()
    expect(admin.locator("#account-state")).to_have_text("Actif")


def test_a_password_link_works_once(admin_site, new_page, sign_in):
    site = admin_site
    with site.app.app_context():
        bob = make_account("bob", "Bob", "Durand")
    admin = new_page()
    sign_in(admin, site, "ada", f"/admin/comptes/{bob.id}")
    admin.get_by_role("button", name="Créer un lien de mot de passe").click()
    link = admin.locator("#link-form-link")
    expect(link).to_have_value(re.compile(r"/mot-de-passe/"))
    _shot(admin, "account_password_link")
    url = link.input_value()

    visitor = new_page()
    visitor.goto(url)
    expect(visitor.get_by_role("heading", name="Choisissez votre mot de passe")).to_be_visible()
    visitor.get_by_label("Nouveau mot de passe").fill("mon nouveau secret")
    visitor.get_by_label("Confirmez-le").fill("mon nouveau secre")
    visitor.get_by_role("button", name="Enregistrer mon mot de passe").click()
    expect(visitor.locator("#erreur-confirmation")).to_have_text("Les deux mots de passe saisis diffèrent.")
    _shot(visitor, "password_link_mismatch")
    visitor.get_by_label("Nouveau mot de passe").fill("mon nouveau secret")
    visitor.get_by_label("Confirmez-le").fill("mon nouveau secret")
    visitor.get_by_role("button", name="Enregistrer mon mot de passe").click()
    expect(visitor).to_have_url(f"{site.url}/login")
    expect(visitor.get_by_role("status")).to_have_text("Votre mot de passe est enregistré : connectez-vous avec lui.")
    visitor.get_by_label("Identifiant").fill("bob")
    visitor.get_by_label("Mot de passe").fill("mon nouveau secret")
    visitor.get_by_role("button", name="Se connecter").click()
    expect(visitor).to_have_url(f"{site.url}/")

    again = new_page()
    again.goto(url)
    expect(again.locator("#erreur-lien")).to_contain_text("Ce lien n’est plus valable".replace("’", "'"))
    _shot(again, "password_link_used")


def test_a_new_structure_s_member_can_act_for_it(admin_site, new_page, sign_in):
    site = admin_site
    with site.app.app_context():
        make_account("claire", "Claire", "Moreau", profession="Coordinatrice", eligible=False)
    admin = new_page()
    sign_in(admin, site, "ada", "/admin/structures")
    admin.get_by_role("link", name="Nouvelle structure").click()
    admin.get_by_role("textbox", name="Nom", exact=True).fill("Cardiologie – CHU du Lac")
    admin.get_by_label("Type").select_option("service hospitalier")
    admin.get_by_label("Numéro FINESS").fill("010780055")
    admin.get_by_label("Adresses MSSanté").fill("cardiologie@chu-lac.mssante.fr")
    admin.get_by_role("button", name="Créer la structure").click()
    expect(admin.locator("#erreur-finess")).to_contain_text("sa clé (dernier chiffre) ne correspond pas")
    _shot(admin, "structure_new_bad_finess")
    admin.get_by_label("Numéro FINESS").fill("010780054")
    admin.get_by_role("button", name="Créer la structure").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Cardiologie – CHU du Lac")
    admin.get_by_label("Ajouter un membre").fill("moreau")
    admin.get_by_role("button", name="Ajouter Claire MOREAU").click()
    expect(admin.locator("#member-list li")).to_have_count(1)
    expect(admin.locator("#member-list")).to_contain_text("Claire MOREAU")
    _shot(admin, "structure_page")

    claire = new_page()
    sign_in(claire, site, "claire", "/envoyer/test_chat")
    expect(claire.get_by_label("Agir en tant que").locator("option")).to_contain_text(["Cardiologie – CHU du Lac"])
    # Removed, she no longer may: a fresh screen does not offer it.
    admin.get_by_role("button", name="Retirer Claire MOREAU").click()
    expect(admin.locator("#member-empty")).to_be_visible()
    claire.reload()
    expect(claire.locator("#compose-form")).to_have_attribute("data-ready", "true")
    expect(claire.get_by_label("Agir en tant que").locator("option", has_text="Cardiologie")).to_have_count(0)


def test_csv_import_with_a_bad_line(admin_site, new_page, sign_in):
    site = admin_site
    page = new_page()
    sign_in(page, site, "ada", "/admin/comptes/import")
    expect(page.locator("#import-headers")).to_contain_text("adresses mssanté")
    page.get_by_role("button", name="Importer").click()
    expect(page.locator("#erreur-file")).to_have_text("Choisissez le fichier CSV des comptes à créer.")
    content = ("\ufeffidentifiant;prénom;nom;profession;rpps;adresses mssanté;éligible mssanté\n"
               "marc.petit;Marc;Petit;Infirmier;10018729433;marc.petit@cabinet.mssante.fr;oui\n"
               "paul roy;Paul;Roy;Infirmier;10018729434;paul.roy@gmail.com;peut-être\n"
               "isabelle.roux;Isabelle;Roux;Secrétaire médicale;;;non\n").encode()
    page.get_by_label("Fichier CSV").set_input_files(files=[{"name": "comptes.csv", "mimeType": "text/csv",
                                                             "buffer": content}])
    page.get_by_role("button", name="Importer").click()
    expect(page.locator("#import-summary")).to_have_text("2 comptes créés, 1 ligne refusée")
    refused = page.locator("#import-report tr.refused")
    expect(refused).to_have_count(1)
    expect(refused.locator("td").first).to_have_text("3")
    expect(refused).to_contain_text("Colonne « identifiant » :")
    expect(refused).to_contain_text("Colonne « rpps » :")
    expect(refused).to_contain_text("Colonne « adresses mssanté » :")
    expect(refused).to_contain_text("Colonne « éligible mssanté » : « peut-être » : écrivez oui ou non.")
    _shot(page, "accounts_import_report")
    with site.app.app_context():
        assert sorted(a.login for a in Account.select()) == ["ada", "isabelle.roux", "marc.petit"]
