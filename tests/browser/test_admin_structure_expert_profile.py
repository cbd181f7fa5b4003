"""In Chromium: an administrator opens a structure, follows its téléexpertise block to the structure's expert
profile, is told at the field what is wrong, saves it, and the structure's page shows it; a professional without
a role is refused. Also: a delegation given by a deactivated account shown as suspended on both sides."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kernel.auth.account_state import deactivate
from kernel.models import Account, AuditEvent, Delegation
from kernel.testing import make_structure
from plugins.teleexpertise import hooks as teleexpertise
from plugins.teleexpertise.models import Expert
from support.chat_channel import ChatChannel
from support.factories import make_account

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots/h1")


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_an_administrator_edits_a_structure_s_expert_profile(make_site, new_page, sign_in):
    site = make_site(plugins=[("test_chat", ChatChannel()), ("teleexpertise", teleexpertise)])
    with site.app.app_context():
        make_account("ada", "Ada", "Admin", is_admin=True)
        make_account("bob", "Bob", "Durand", profession="Cardiologue")
        department = make_structure("Cardiologie – CH Annecy")
        Expert.create(identity=department.id, scope="Cardiologie : ECG", prerequisites="", form=[], accepting=True)
    page = new_page(height=1000)
    sign_in(page, site, "ada", f"/admin/structures/{department.id}")
    block = page.locator("#teleexpertise_profile")
    expect(block).to_contain_text("Reçoit des demandes.")
    expect(block).to_contain_text("Périmètre : Cardiologie : ECG")
    _shot(page, "structure_page_before")
    block.get_by_role("link", name="Modifier le profil d’expert").click()
    expect(page).to_have_url(f"{site.url}/teleexpertise/admin/structures/{department.id}/profil")
    expect(page.get_by_role("heading", level=1)).to_have_text("Profil d’expert de Cardiologie – CH Annecy")
    scope = page.get_by_label("Périmètre")
    expect(scope).to_have_value("Cardiologie : ECG")
    expect(page.locator("#billing-field")).to_be_hidden()  # a structure bills nothing itself

    # A blank scope and a past return date: each refused at its field, in French; nothing saved.
    scope.fill("   ")
    page.get_by_label("La structure prend des demandes de téléexpertise").uncheck()
    page.get_by_label("Date de retour").fill("2020-01-15")
    page.get_by_role("button", name="Enregistrer le profil").click()
    expect(page.locator('[data-field="scope"] .field-error')).to_be_visible()
    expect(page.locator('[data-field="back_on"] .field-error')).to_have_text(
        "La date de retour est passée : choisissez une date à venir, ou laissez vide.")
    expect(page.locator("#profile-banner")).to_contain_text("Le profil n'a pas été enregistré")
    _shot(page, "structure_profile_errors")
    with site.app.app_context():
        assert Expert.get(Expert.identity == department.id).scope == "Cardiologie : ECG"

    back_on = dt.date.today() + dt.timedelta(days=14)
    scope.fill("Cardiologie : ECG, souffle, insuffisance cardiaque")
    page.get_by_label("Prérequis").fill("Merci de joindre l’ECG et la liste des traitements.")
    page.get_by_label("Date de retour").fill(back_on.isoformat())
    page.get_by_role("button", name="+ Ajouter une question").click()
    page.locator("#question-0-label").fill("Fréquence cardiaque")
    page.locator("#question-0-type").select_option("number")
    page.locator("#question-0-unit").fill("bpm")
    page.get_by_role("button", name="Enregistrer le profil").click()
    expect(page.locator("#profile-status")).to_have_text(
        "Profil de la structure enregistré : elle apparaît comme indisponible, avec sa date de retour.")
    _shot(page, "structure_profile_saved")
    with site.app.app_context():
        saved = Expert.get(Expert.identity == department.id)
        assert (saved.scope, saved.accepting, saved.back_on) == (
            "Cardiologie : ECG, souffle, insuffisance cardiaque", False, back_on)
        assert [(q["label"], q["type"], q["unit"]) for q in saved.form] == [("Fréquence cardiaque", "number", "bpm")]
        admin_id = Account.get(Account.login == "ada").id
        line = AuditEvent.select().where(AuditEvent.action == "teleexpertise.expert.save").get()
        assert (line.account_id, line.acting_as_id) == (admin_id, department.id)
        assert "via=administration" in line.detail

    page.get_by_role("link", name="Retour à la structure").click()
    block = page.locator("#teleexpertise_profile")
    expect(block).to_contain_text(f"Ne reçoit pas de demandes jusqu’au {back_on:%d/%m/%Y}.")
    expect(block).to_contain_text("Questions posées aux demandeurs : 1")
    _shot(page, "structure_page_after")

    # A professional without a role: refused, the page and its API alike.
    other = new_page()
    sign_in(other, site, "bob", "/")
    answer = other.goto(f"{site.url}/teleexpertise/admin/structures/{department.id}/profil")
    assert answer.status == 403
    _shot(other, "structure_profile_refused")
    answer = other.goto(f"{site.url}/admin/structures/{department.id}")  # the structure's page itself
    assert answer.status == 403
    expect(other.get_by_role("heading", level=1)).to_have_text("Accès réservé")
    expect(other.locator("main")).to_contain_text("réservée aux administrateurs et aux gestionnaires de l’annuaire")
    _shot(other, "structure_page_refused")
    other.goto(f"{site.url}/")  # a page of the site, with its CSRF token, asks the API as the form's script would
    status = other.evaluate(f"""async () => (await fetch("/teleexpertise/admin/api/structures/{department.id}/profil",
        {{method: "PUT", headers: {{"Content-Type": "application/json",
          "X-CSRFToken": document.querySelector('meta[name=csrf-token]')?.content || ""}},
          body: JSON.stringify({{scope: "Piraté"}})}})).status""")
    assert status == 403
    with site.app.app_context():
        assert Expert.get(Expert.identity == department.id).scope.startswith("Cardiologie")


def test_a_delegation_given_by_a_deactivated_account_shows_as_suspended(site, new_page, sign_in):
    with site.app.app_context():
        make_account("ada", "Ada", "Admin", is_admin=True)
        doctor = make_account("julie", "Julie", "Bernard", profession="Médecin généraliste")
        make_account("isabelle", "Isabelle", "Roux", profession="Secrétaire médicale", eligible=False)
        secretary = Account.get(Account.login == "isabelle")
        Delegation.create(delegate=secretary.id, principal=doctor.identity_id, scope="all")
        deactivate(doctor)
    delegate = new_page()
    sign_in(delegate, site, "isabelle", "/delegations")
    item = delegate.locator("#held-list .access-item")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("Julie BERNARD")
    expect(item).to_contain_text("Suspendue : compte désactivé")
    _shot(delegate, "my_delegations_suspended")
    admin = new_page()
    sign_in(admin, site, "ada", "/admin/delegations")
    row = admin.locator("#delegation-list tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Suspendue : compte désactivé")
    _shot(admin, "admin_delegations_suspended")


def test_my_expert_profile_still_saves_with_the_shared_form(make_site, new_page, sign_in):
    """« Mon profil d'expert » draws the same form with the same script: a professional declares themself."""
    site = make_site(plugins=[("test_chat", ChatChannel()), ("teleexpertise", teleexpertise)])
    with site.app.app_context():
        bob = make_account("bob", "Bob", "Durand", profession="Dermatologue")
    page = new_page(height=1000)
    sign_in(page, site, "bob", "/teleexpertise/profil")
    expect(page.get_by_label("Je prends des demandes de téléexpertise")).to_be_checked()
    expect(page.locator("#billing-field")).to_be_visible()
    page.get_by_label("Périmètre").fill("Dermatologie : lésions pigmentées")
    page.get_by_label("Votre numéro de facturation (AM)").fill("12345")
    page.get_by_role("button", name="Me déclarer expert").click()
    expect(page.locator('[data-field="billing_number"] .field-error')).to_contain_text("9 chiffres")
    expect(page.locator("#profile-banner")).to_have_text("Le profil n'a pas été enregistré : corrigez les champs signalés.")
    page.get_by_label("Votre numéro de facturation (AM)").fill("741123456")
    page.get_by_role("button", name="Me déclarer expert").click()
    expect(page.locator("#profile-status")).to_have_text(
        "Profil enregistré : les demandeurs vous trouvent désormais dans la recherche d'experts.")
    _shot(page, "my_expert_profile_saved")
    with site.app.app_context():
        assert Expert.get(Expert.identity == bob.identity_id).billing_number == "741123456"
