"""« Mes délégations » in Chromium: a doctor delegates her secure mail to her secretary with the person picker,
widens it, then withdraws it, each taking effect at once for the secretary's send screens; bad input is said at
its field; an administrator sees every delegation and withdraws one."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from kernel.models import AuditEvent, Delegation
from support.factories import make_account, make_structure

pytestmark = pytest.mark.browser
SHOTS = "/tmp/shots/h1"


def _acting_as(page, site, channel: str) -> list[str]:
    page.goto(f"{site.url}/envoyer/{channel}")
    expect(page.locator("#compose-form")).to_have_attribute("data-ready", "true")
    return page.get_by_label("Agir en tant que").locator("option").all_inner_texts()


def test_a_doctor_grants_widens_and_withdraws_a_delegation(site, new_page, sign_in):
    with site.app.app_context():
        make_account("doctor", "Julie", "Bernard", profession="Médecin généraliste", addresses=("julie@a.mssante.fr",))
        make_account("secretary", "Isabelle", "Roux", profession="Secrétaire médicale", eligible=False)
        make_account("colleague", "Thomas", "Durand", profession="Cardiologue")
    doctor, secretary = new_page(), new_page()
    sign_in(secretary, site, "secretary")
    assert _acting_as(secretary, site, "test_mail") == ["Isabelle ROUX"]

    sign_in(doctor, site, "doctor", "/mes-acces")
    doctor.get_by_role("link", name="Mes délégations").click()
    expect(doctor).to_have_url(site.url + "/delegations")
    expect(doctor.locator("#given-empty")).to_be_visible()

    # Nothing chosen, or a name typed and not chosen: said at the field, nothing granted.
    doctor.get_by_role("button", name="Déléguer").click()
    expect(doctor.locator("#erreur-delegate")).to_have_text("Choisissez la personne à qui déléguer.")
    picker = doctor.get_by_role("combobox", name="Professionnel")
    picker.fill("Rou")
    expect(doctor.get_by_role("option", name=re.compile("Isabelle ROUX"))).to_be_visible()
    doctor.get_by_role("button", name="Déléguer").click()
    expect(doctor.locator("#erreur-delegate")).to_contain_text("« Rou » n'a pas été choisi")
    expect(picker).to_have_attribute("aria-invalid", "true")
    with site.app.app_context():
        assert Delegation.select().count() == 0

    picker.fill("Roux")
    doctor.get_by_role("option", name=re.compile("Isabelle ROUX")).click()
    expect(doctor.get_by_role("radio", name=re.compile("Messagerie sécurisée uniquement"))).to_be_checked()
    doctor.screenshot(path=f"{SHOTS}/grant-form.png", full_page=True)
    doctor.get_by_role("button", name="Déléguer").click()
    expect(doctor.locator("#delegations-done")).to_contain_text(
        "Isabelle ROUX peut agir en votre nom (messagerie sécurisée uniquement)")
    row = doctor.locator("#given-list li")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Isabelle ROUX")
    expect(doctor.locator("#erreur-delegate")).to_be_hidden()
    doctor.screenshot(path=f"{SHOTS}/granted.png", full_page=True)

    # At once for the secretary: the doctor's mailbox, chosen for her in mail; not in conversations.
    assert _acting_as(secretary, site, "test_mail") == ["Isabelle ROUX", "Julie BERNARD"]
    expect(secretary.get_by_label("Agir en tant que")).to_have_value(re.compile(r"\d+"))
    assert secretary.get_by_label("Agir en tant que").locator("option:checked").inner_text() == "Julie BERNARD"
    assert _acting_as(secretary, site, "test_chat") == ["Isabelle ROUX"]
    secretary.goto(site.url + "/delegations")
    expect(secretary.locator("#held-list li")).to_contain_text("Julie BERNARD")
    expect(secretary.locator("#held-list li")).to_contain_text("Messagerie sécurisée uniquement")

    # Widened: conversations too.
    doctor.get_by_label("Portée de la délégation à Isabelle ROUX").select_option("all")
    expect(doctor.locator("#delegations-done")).to_contain_text("messagerie et conversations")
    assert _acting_as(secretary, site, "test_chat") == ["Isabelle ROUX", "Julie BERNARD"]

    # Withdrawn: the first click asks, the second withdraws.
    withdraw = row.get_by_role("button", name="Retirer")
    withdraw.click()
    expect(row.get_by_role("button", name="Confirmer le retrait")).to_be_visible()
    row.get_by_role("button", name="Confirmer le retrait").click()
    expect(doctor.locator("#delegations-done")).to_have_text("Isabelle ROUX ne peut plus agir en votre nom.")
    expect(doctor.locator("#given-list li")).to_have_count(0)
    expect(doctor.locator("#given-empty")).to_be_visible()
    assert _acting_as(secretary, site, "test_mail") == ["Isabelle ROUX"]
    with site.app.app_context():
        assert [e.action for e in AuditEvent.select().where(AuditEvent.action.startswith("delegation."))
                .order_by(AuditEvent.id)] == ["delegation.grant", "delegation.scope", "delegation.withdraw"]


def test_an_administrator_sees_every_delegation_and_withdraws_one(site, new_page, sign_in):
    from kernel.services import delegations

    with site.app.app_context():
        doctor = make_account("doctor", "Julie", "Bernard", profession="Médecin généraliste")
        secretary = make_account("secretary", "Isabelle", "Roux", profession="Secrétaire médicale", eligible=False)
        coordinator = make_account("coord", "Claire", "Moreau", profession="Coordinatrice", eligible=False)
        make_account("admin", "Ada", "Admin", is_admin=True)
        make_structure("Coordination REPAP", delegates=(coordinator,))
        delegations.grant(doctor.identity, secretary, delegations.SCOPE_MAIL, granted_by=doctor)
    admin = new_page()
    sign_in(admin, site, "admin", "/admin/comptes")
    admin.get_by_role("navigation", name="Administration").get_by_role("link", name="Délégations").click()
    expect(admin).to_have_url(site.url + "/admin/delegations")
    rows = admin.locator("#delegation-list tbody tr")
    expect(rows).to_have_count(2)
    expect(admin.locator(".admin-count")).to_have_text("2 délégations")
    admin.screenshot(path=f"{SHOTS}/admin-list.png", full_page=True)
    admin.get_by_label("Rechercher").fill("repap")
    admin.get_by_role("button", name="Rechercher").click()
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Claire MOREAU")
    admin.goto(site.url + "/admin/delegations")
    admin.get_by_role("link", name="Isabelle ROUX").click()
    expect(admin.locator(".delegation-filter")).to_contain_text("Isabelle ROUX")
    expect(rows).to_have_count(1)
    button = rows.get_by_role("button", name="Retirer la délégation de Isabelle ROUX pour Julie BERNARD")
    button.click()
    rows.get_by_role("button", name="Confirmer le retrait de la délégation de Isabelle ROUX pour Julie BERNARD").click()
    expect(admin.locator("#delegations-done")).to_have_text(
        "Délégation de Isabelle ROUX pour Julie BERNARD retirée.")
    expect(rows).to_contain_text("Retirée")
    admin.screenshot(path=f"{SHOTS}/admin-withdrawn.png", full_page=True)
    with site.app.app_context():
        assert Delegation.get(Delegation.delegate == secretary.id).revoked_at is not None
    # The list without withdrawn ones no longer has it; asked for, it says when.
    admin.goto(site.url + f"/admin/delegations?person={secretary.id}&withdrawn=true")
    expect(rows).to_contain_text("Retirée le")


def test_the_author_sees_that_the_secretary_read_for_the_doctor(site, new_page, sign_in):
    from kernel.services import delegations
    from support.factories import bearer

    with site.app.app_context():
        doctor = make_account("doctor", "Julie", "Bernard", profession="Médecin généraliste", addresses=("julie@a.mssante.fr",))
        secretary = make_account("secretary", "Isabelle", "Roux", profession="Secrétaire médicale", eligible=False)
        colleague = make_account("colleague", "Thomas", "Durand", profession="Cardiologue", addresses=("thomas@a.mssante.fr",))
        delegations.grant(doctor.identity, secretary, delegations.SCOPE_MAIL, granted_by=doctor)
        headers = bearer(colleague)
    client = site.app.test_client()
    r = client.post("/api/v1/channels/test_mail/exchanges", headers=headers, json={
        "acting_as": colleague.identity_id, "members": [doctor.identity_id], "subject": "Bilan", "body": "Ci-joint."})
    assert r.status_code == 201, r.json
    exchange_id = r.json["exchange"]["id"]
    reader, author = new_page(), new_page()
    sign_in(reader, site, "secretary", f"/echanges/{exchange_id}")
    expect(reader.locator(".msg").first).to_contain_text("Ci-joint.")
    sign_in(author, site, "colleague", f"/echanges/{exchange_id}")
    receipt = author.locator(".msg-receipt").first
    expect(receipt).to_contain_text("Vu par Isabelle ROUX pour le compte de Dr BERNARD")
    author.get_by_role("button", name=re.compile("Qui a ouvert")).click()
    expect(author.locator(".opened-name", has_text="Isabelle")).to_have_text("Isabelle ROUX pour le compte de Dr BERNARD")
    author.screenshot(path=f"{SHOTS}/receipt.png")
