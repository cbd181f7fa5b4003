"""Review findings on the administration: a manager never adds themself to a structure, a directory manager
neither receives a password link nor imports accounts (both are administrators' business)."""
from __future__ import annotations

import io

import pytest

from kernel.models import Account, Delegation
from kernel.models.password_reset import PasswordReset
from kernel.services.structures import SELF_MEMBERSHIP, StructureRefused, add_member
from kernel.testing import make_structure
from support.factories import make_account


@pytest.mark.parametrize("who", ["admin", "manager"])
def test_a_manager_cannot_add_themself_to_a_structure(app, request, who):
    user = request.getfixturevalue(who)
    structure = make_structure("Cardiologie du test")
    r = user.api.post(f"/api/v1/admin/structures/{structure.id}/members", json={"account": user.account.id})
    assert r.status_code == 403, r.json
    assert r.json["errors"] == {"account": [SELF_MEMBERSHIP]}
    assert "vous ajouter vous-même" in SELF_MEMBERSHIP
    assert not Delegation.select().where(Delegation.principal == structure.id).exists()
    # Someone else may still be added.
    other = make_account("autre", "Olga", "Autre")
    r = user.api.post(f"/api/v1/admin/structures/{structure.id}/members", json={"account": other.id})
    assert r.status_code == 201, r.json


def test_the_service_refuses_self_membership_for_every_caller(app):
    account = make_account("soi", "Sam", "Soi", is_admin=True)
    structure = make_structure("Structure du service")
    with pytest.raises(StructureRefused) as refused:
        add_member(structure, account, account)
    assert refused.value.errors == {"account": [SELF_MEMBERSHIP]}
    add_member(structure, account, None)  # the operator's command line (no account) may


def test_a_directory_manager_creates_an_account_without_a_password_link(app, manager):
    r = manager.api.post("/api/v1/admin/accounts", json={
        "login": "julie.bernard", "first_name": "Julie", "last_name": "Bernard",
        "profession": "Médecin généraliste", "mssante_addresses": []})
    assert r.status_code == 201, r.json
    assert "password_link" not in r.json and "password_link_expires_at" not in r.json
    account = Account.get(Account.login == "julie.bernard")
    assert not PasswordReset.select().where(PasswordReset.account == account.id).exists()


def test_an_administrator_still_gets_the_password_link(app, admin):
    r = admin.api.post("/api/v1/admin/accounts", json={
        "login": "julie.bernard", "first_name": "Julie", "last_name": "Bernard",
        "profession": "Médecin généraliste", "mssante_addresses": []})
    assert r.status_code == 201, r.json
    assert "/mot-de-passe/" in r.json["password_link"]


def test_a_directory_manager_may_not_import_accounts(app, manager):
    before = Account.select().count()
    csv = "login;first_name;last_name\nimport.un;Un;Import\n".encode()
    r = manager.api.post("/api/v1/admin/accounts/import", data={"file": (io.BytesIO(csv), "comptes.csv")},
                         content_type="multipart/form-data")
    assert r.status_code == 403
    assert r.json["errors"]["_schema"] == ["Réservé aux administrateurs de la plateforme."]
    assert Account.select().count() == before
