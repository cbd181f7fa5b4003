"""The administration's account API: who may call it, what each bad input is told at its field, what is audited."""
from __future__ import annotations

import io

from kernel.auth.passwords import verify_password
from kernel.models import Account, AuditEvent, BrowserSession, MailAddress
from kernel.models.password_reset import PasswordReset
from kernel.testing import sign_in
from support.factories import make_account

GOOD_RPPS = "10003412870"


def _create(user, **fields):
    payload = {"login": "julie.bernard", "first_name": "Julie", "last_name": "Bernard",
               "profession": "Médecin généraliste", "rpps": GOOD_RPPS,
               "mssante_addresses": ["julie.bernard@exemple.mssante.fr"], **fields}
    return user.api.post("/api/v1/admin/accounts", json=payload)


def test_an_administrator_creates_an_account_with_a_one_time_password_link(app, admin):
    r = _create(admin)
    assert r.status_code == 201, r.json
    created = r.json["account"]
    assert created["full_name"] == "Julie BERNARD" and created["rpps"] == GOOD_RPPS and created["roles"] == []
    assert created["mssante_addresses"] == ["julie.bernard@exemple.mssante.fr"]
    assert "/mot-de-passe/" in r.json["password_link"]
    secret = r.json["password_link"].rsplit("/", 1)[1]
    account = Account.get(Account.login == "julie.bernard")
    assert not verify_password(account.password_hash, "")  # no password works until one is chosen
    # Only the secret's hash is kept, and neither it nor the link is in the audit.
    assert PasswordReset.get(PasswordReset.account == account.id).token_hash != secret
    actions = {e.action: e for e in AuditEvent.select()}
    assert {"account.create", "account.reset_link"} <= set(actions)
    assert actions["account.create"].account_id == admin.account.id
    assert all(secret not in f"{e.detail} {e.request}" for e in AuditEvent.select())


def test_each_bad_field_is_told_in_french_and_nothing_is_stored(app, admin):
    before = Account.select().count()
    r = _create(admin, login="julie bernard", first_name=" ", rpps="10003412871",
                mssante_addresses=["julie@gmail.com"], mssante_eligible=True)
    assert r.status_code == 422
    errors = r.json["errors"]
    assert set(errors) == {"login", "first_name", "rpps", "mssante_addresses"}
    assert "clé" in errors["rpps"][0] and "mssante.fr" in errors["mssante_addresses"][0]
    r = _create(admin, rpps="1000341287")
    assert r.json["errors"] == {"rpps": ["Le numéro RPPS « 1000341287 » doit compter exactement 11 chiffres."]}
    r = _create(admin, mssante_eligible=False)
    assert list(r.json["errors"]) == ["mssante_addresses"]
    assert Account.select().count() == before and not MailAddress.select().exists()


def test_login_rpps_and_address_already_held_are_refused_at_their_fields(app, admin):
    assert _create(admin).status_code == 201
    r = _create(admin, login="JULIE.BERNARD", mssante_addresses=["JULIE.BERNARD@exemple.mssante.fr"])
    assert r.status_code == 422
    assert set(r.json["errors"]) == {"login", "rpps", "mssante_addresses"}


def test_edit_changes_the_directory_name_and_refuses_a_bad_rpps(app, admin):
    account_id = _create(admin).json["account"]["id"]
    r = admin.api.patch(f"/api/v1/admin/accounts/{account_id}", json={"last_name": "Martin", "rpps": "12345678901"})
    assert r.status_code == 422 and list(r.json["errors"]) == ["rpps"]
    r = admin.api.patch(f"/api/v1/admin/accounts/{account_id}", json={"last_name": "Martin", "profession": "Pédiatre"})
    assert r.status_code == 200 and r.json["account"]["full_name"] == "Julie MARTIN"
    assert Account.get_by_id(account_id).identity.display_name == "Julie MARTIN"
    # Unticking eligibility under existing addresses is refused at the checkbox.
    r = admin.api.patch(f"/api/v1/admin/accounts/{account_id}", json={"mssante_eligible": False})
    assert r.status_code == 422 and list(r.json["errors"]) == ["mssante_eligible"]
    edit = AuditEvent.get(AuditEvent.action == "account.edit")
    assert edit.detail == "fields=last_name,profession" and edit.target == f"account:{account_id}"


def test_search_filters_and_pages(app, admin):
    for n in range(30):
        make_account(f"pro{n:02d}", "Paul", f"Nom{n:02d}")
    bob = make_account("bob.leroy", "Bob", "Leroy", addresses=("bob.leroy@cabinet.mssante.fr",))
    bob.active = False
    bob.save()
    listing = admin.api.get("/api/v1/admin/accounts").json
    assert listing["total"] == 32 and listing["pages"] == 2 and len(listing["accounts"]) == 25
    assert admin.api.get("/api/v1/admin/accounts?page=2").json["accounts"][-1]["login"] == "pro29"
    found = admin.api.get("/api/v1/admin/accounts?q=cabinet.mssante").json["accounts"]
    assert [a["login"] for a in found] == ["bob.leroy"]
    assert [a["login"] for a in admin.api.get("/api/v1/admin/accounts?state=inactive").json["accounts"]] == ["bob.leroy"]
    assert [a["login"] for a in admin.api.get("/api/v1/admin/accounts?role=administrator").json["accounts"]] == ["admin"]
    r = admin.api.get("/api/v1/admin/accounts?state=endormi&page=0")
    assert r.status_code == 422 and set(r.json["errors"]) == {"state", "page"}


def test_roles_are_for_administrators_and_the_last_one_keeps_the_role(app, admin, manager):
    bob = make_account("bob")
    r = manager.api.put(f"/api/v1/admin/accounts/{bob.id}/roles", json={"roles": ["administrator"]})
    assert r.status_code == 403
    r = admin.api.put(f"/api/v1/admin/accounts/{bob.id}/roles", json={"roles": ["directory_manager", "chef"]})
    assert r.status_code == 422 and "roles" in r.json["errors"]
    r = admin.api.put(f"/api/v1/admin/accounts/{bob.id}/roles", json={"roles": ["directory_manager"]})
    assert r.status_code == 200 and r.json["account"]["roles"] == ["directory_manager"]
    r = admin.api.put(f"/api/v1/admin/accounts/{admin.account.id}/roles", json={"roles": []})
    assert r.status_code == 422 and "dernier administrateur" in r.json["errors"]["roles"][0]
    assert AuditEvent.get(AuditEvent.action == "account.role").detail == "roles=directory_manager"


def test_a_directory_manager_edits_professionals_but_not_administrators(app, admin, manager):
    r = _create(manager)
    assert r.status_code == 201
    account_id = r.json["account"]["id"]
    assert manager.api.patch(f"/api/v1/admin/accounts/{account_id}", json={"profession": "Pédiatre"}).status_code == 200
    r = manager.api.patch(f"/api/v1/admin/accounts/{admin.account.id}", json={"profession": "Pédiatre"})
    assert r.status_code == 403
    for path in ("deactivate", "activate", "password-link"):
        assert manager.api.post(f"/api/v1/admin/accounts/{account_id}/{path}").status_code == 403


def test_ordinary_accounts_are_refused(app):
    bob = sign_in(app, make_account("bob"))
    assert bob.api.get("/api/v1/admin/accounts").status_code == 403
    assert _create(bob).status_code == 403
    assert not Account.select().where(Account.login == "julie.bernard").exists()


def test_deactivation_ends_sessions_and_is_undone_by_activation(app, admin):
    bob = sign_in(app, make_account("bob"))
    r = admin.api.post(f"/api/v1/admin/accounts/{bob.account.id}/deactivate")
    assert r.status_code == 200 and r.json["account"]["active"] is False
    assert bob.api.get("/api/v1/me").status_code == 401
    assert not BrowserSession.select().where((BrowserSession.account == bob.account.id)
                                             & BrowserSession.ended_at.is_null()).exists()
    assert admin.api.post(f"/api/v1/admin/accounts/{admin.account.id}/deactivate").status_code == 422
    r = admin.api.post(f"/api/v1/admin/accounts/{bob.account.id}/activate")
    assert r.json["account"]["active"] is True
    assert AuditEvent.get(AuditEvent.action == "account.deactivate").account_id == admin.account.id


def test_a_password_link_works_once_and_ends_the_sessions(app, admin):
    bob = sign_in(app, make_account("bob"))
    first = admin.api.post(f"/api/v1/admin/accounts/{bob.account.id}/password-link").json["link"]
    second = admin.api.post(f"/api/v1/admin/accounts/{bob.account.id}/password-link").json["link"]
    visitor = app.test_client()
    path = second.split("://", 1)[1].split("/", 1)[1]
    page = visitor.get("/" + path)
    assert page.status_code == 200 and "Choisissez votre mot de passe" in page.get_data(as_text=True)
    old = visitor.get("/" + first.split("://", 1)[1].split("/", 1)[1])
    assert old.status_code == 410 and "plus valable" in old.get_data(as_text=True)


def test_csv_import_reports_each_line(app, admin):
    content = ("\ufeffIdentifiant;Prénom;Nom;Profession;RPPS;Adresses MSSanté;Éligible MSSanté\n"
               f"claire.moreau;Claire;Moreau;Coordinatrice;;;non\n"
               f"marc.petit;Marc;Petit;Infirmier;10018729434;marc.petit@exemple.mssante.fr;oui\n"
               f"paul.roy;Paul;Roy;Infirmier;10018729433;paul.roy@exemple.mssante.fr;\n").encode()
    r = admin.api.post("/api/v1/admin/accounts/import", data={"file": (io.BytesIO(content), "comptes.csv")},
                       content_type="multipart/form-data")
    assert r.status_code == 200, r.json
    assert (r.json["created"], r.json["refused"]) == (2, 1)
    refused = r.json["lines"][1]
    assert refused["line"] == 3 and refused["login"] == "marc.petit" and not refused["created"]
    assert list(refused["errors"]) == ["RPPS"] and "clé" in refused["errors"]["RPPS"][0]
    assert not Account.select().where(Account.login == "marc.petit").exists()
    assert Account.get(Account.login == "claire.moreau").identity.mssante_eligible is False
    # Commas, no BOM; unknown headers refuse the whole file at the file field.
    r = admin.api.post("/api/v1/admin/accounts/import", data="identifiant,prenom,nom\nzoe,Zoé,Blanc\n".encode(),
                       content_type="text/csv")
    assert r.json["created"] == 1
    r = admin.api.post("/api/v1/admin/accounts/import", data="login;nom\nx;y\n".encode(), content_type="text/csv")
    assert r.status_code == 422 and "« login »" in r.json["errors"]["file"][0]
    r = admin.api.post("/api/v1/admin/accounts/import", data="identifiant;prénom;nom\n".encode("latin-1"),
                       content_type="text/csv")
    assert r.status_code == 422 and "UTF-8" in r.json["errors"]["file"][0]
