"""``relais user edit|role|reset-link|import`` and ``relais structure ...``: the administration from the command line."""
from __future__ import annotations

from kernel.models import Account, AuditEvent, Delegation, Identity
from kernel.models.password_reset import PasswordReset

ADDRESS = "julie.bernard@demo.relais-sante.mssante.fr"


def test_a_wrong_rpps_key_is_refused(create_user, initialised, database) -> None:
    result = create_user("julie.bernard", "--rpps", "10003412871")
    assert result.exit_code == 1
    assert "RPPS : le numéro RPPS « 10003412871 » est erroné : sa clé" in result.stderr
    with database():
        assert not Account.select().exists()


def test_edit_changes_only_what_is_given_and_refuses_bad_input(run, initialised, create_user, database) -> None:
    assert create_user("julie.bernard", "--mssante-address", ADDRESS).exit_code == 0
    bad = run("user", "edit", "--login", "julie.bernard", "--rpps", "123", "--mssante-address", "x@gmail.com")
    assert bad.exit_code == 1 and "le compte n'est pas modifié" in bad.stderr and "adresses MSSanté : " in bad.stderr
    good = run("user", "edit", "--login", "julie.bernard", "--last-name", "Martin", "--rpps", "10003412870")
    assert good.exit_code == 0, good.output
    assert "modifié : nom, RPPS." in good.stdout
    refused = run("user", "edit", "--login", "julie.bernard", "--not-eligible")
    assert refused.exit_code == 1 and "non éligible" in refused.stderr
    with database():
        account = Account.get(Account.login == "julie.bernard")
        assert (account.last_name, account.rpps, account.identity.display_name) == ("Martin", "10003412870",
                                                                                     "Julie MARTIN")
        assert [a.address for a in account.identity.addresses] == [ADDRESS]


def test_roles_and_the_last_administrator(run, initialised, create_user, database) -> None:
    create_user("ada", "--admin")
    create_user("gael")
    result = run("user", "role", "--login", "gael", "--directory-manager")
    assert result.exit_code == 0 and "Gestionnaire de l’annuaire" in result.stdout
    last = run("user", "role", "--login", "ada", "--no-admin")
    assert last.exit_code == 1 and "dernier administrateur" in last.stderr
    listed = run("user", "list", "--role", "directory_manager")
    assert "gael" in listed.stdout and "ada" not in listed.stdout
    with database():
        assert Account.get(Account.login == "gael").directory_manager
        assert AuditEvent.select().where(AuditEvent.action == "account.role").count() == 2  # ada at creation, gael


def test_a_reset_link_is_printed_and_only_its_hash_kept(run, initialised, create_user, database) -> None:
    create_user("julie.bernard")
    result = run("user", "reset-link", "--login", "julie.bernard")
    assert result.exit_code == 0, result.output
    link = result.stdout.strip().splitlines()[-1]
    assert "/mot-de-passe/" in link
    secret = link.rsplit("/", 1)[1]
    with database():
        row = PasswordReset.get()
        assert row.token_hash != secret and secret not in row.token_hash
        assert all(secret not in f"{e.detail} {e.request}" for e in AuditEvent.select())


def test_new_account_without_password_gets_a_link(run, initialised, database) -> None:
    result = run("user", "create", "--login", "claire", "--first-name", "Claire", "--last-name", "Moreau",
                 "--no-password", "--not-eligible")
    assert result.exit_code == 0, result.output
    assert "Lien pour choisir le mot de passe" in result.stdout and "/mot-de-passe/" in result.stdout


def test_import_reports_each_line(run, initialised, database, tmp_path) -> None:
    csv = tmp_path / "comptes.csv"
    csv.write_text("identifiant,prénom,nom,rpps\nmarc,Marc,Petit,10018729433\nbad login,Paul,,123\n", encoding="utf-8")
    result = run("user", "import", str(csv))
    assert result.exit_code == 1
    assert "Ligne 2 : compte « marc » créé." in result.stdout
    assert "Ligne 3, colonne « identifiant » :" in result.stderr and "Ligne 3, colonne « nom » :" in result.stderr
    assert "Ligne 3, colonne « rpps » :" in result.stderr
    with database():
        assert [a.login for a in Account.select()] == ["marc"]


def test_structures_and_their_members(run, initialised, create_user, database) -> None:
    create_user("julie.bernard")
    bad = run("structure", "create", "--name", "Cardiologie", "--type", "hôpital", "--finess", "010780055")
    assert bad.exit_code == 1 and "type : " in bad.stderr and "FINESS : " in bad.stderr
    made = run("structure", "create", "--name", "Cardiologie", "--type", "service hospitalier",
               "--finess", "010780054", "--mssante-address", "cardio@chu.mssante.fr")
    assert made.exit_code == 0, made.output
    with database():
        structure_id = Identity.get(Identity.display_name == "Cardiologie").id
    sid = str(structure_id)
    assert run("structure", "member", "add", "--id", sid, "--login", "julie.bernard").exit_code == 0
    listed = run("structure", "list")
    assert "Cardiologie" in listed.stdout and "julie.bernard" in listed.stdout and "010780054" in listed.stdout
    edited = run("structure", "edit", "--id", sid, "--name", "Cardiologie – CHU")
    assert edited.exit_code == 0 and "modifiée : nom." in edited.stdout
    assert run("structure", "member", "remove", "--id", sid, "--login", "julie.bernard").exit_code == 0
    again = run("structure", "member", "remove", "--id", sid, "--login", "julie.bernard")
    assert again.exit_code == 1 and "n'est pas membre" in again.stderr
    with database():
        assert Delegation.get().revoked_at is not None
        actions = [e.action for e in AuditEvent.select().order_by(AuditEvent.id)]
        assert {"structure.create", "structure.member_add", "structure.edit", "structure.member_remove"} <= set(actions)
