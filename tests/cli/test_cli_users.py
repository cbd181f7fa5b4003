"""``relais user create`` and ``relais user list``: good input creates exactly one account, bad input none."""
from __future__ import annotations

import pytest

from kernel.auth.passwords import verify_password
from kernel.models import Account, Identity, MailAddress

ADDRESS = "julie.bernard@demo.relais-sante.mssante.fr"


def test_create_with_every_option(run, initialised, create_user, database) -> None:
    result = create_user("julie.bernard", "--profession", "Médecin généraliste", "--rpps", "10003412870",
                         "--mssante-address", ADDRESS, "--mssante-address", "J.Bernard@Cabinet.MSSante.fr",
                         "--admin")

    assert result.exit_code == 0, result.output
    assert "Compte administrateur « julie.bernard » créé pour Julie BERNARD" in result.stdout
    with database():
        account = Account.get(Account.login == "julie.bernard")
        assert account.is_admin and account.rpps == "10003412870"
        assert account.profession == "Médecin généraliste"
        assert account.identity.mssante_eligible
        assert account.identity.display_name == "Julie BERNARD"
        assert sorted(a.address for a in account.identity.addresses) == [
            "j.bernard@cabinet.mssante.fr", ADDRESS]
        assert verify_password(account.password_hash, "motdepasse-solide")


def test_password_is_asked_twice_without_echo(run, initialised, database) -> None:
    result = run("user", "create", "--login", "marc.petit", "--first-name", "Marc", "--last-name", "Petit",
                 input="secret-infirmier\nsecret-infirmier\n")

    assert result.exit_code == 0, result.output
    assert "Mot de passe" in result.output and "Confirmez le mot de passe" in result.output
    assert "secret-infirmier" not in result.output
    with database():
        assert verify_password(Account.get(Account.login == "marc.petit").password_hash, "secret-infirmier")


def test_password_mismatch_creates_nothing(run, initialised, database) -> None:
    result = run("user", "create", "--login", "marc.petit", "--first-name", "Marc", "--last-name", "Petit",
                 input="secret-infirmier\nautre-chose\n")

    assert result.exit_code == 1
    assert "les deux mots de passe saisis diffèrent" in result.stderr
    with database():
        assert Account.select().count() == 0


@pytest.mark.parametrize("password, message", [
    ("court", "au moins 8 caractères"),
    ("", "aucun mot de passe reçu"),
])
def test_weak_or_missing_password_on_stdin(create_user, initialised, database, password, message) -> None:
    result = create_user("marc.petit", password=password)

    assert result.exit_code == 1
    assert message in result.stderr
    with database():
        assert Account.select().count() == 0


def test_duplicate_login_is_refused(create_user, initialised, database) -> None:
    assert create_user("julie.bernard").exit_code == 0

    result = create_user("julie.bernard")

    assert result.exit_code == 1
    assert "l'identifiant « julie.bernard » est déjà utilisé" in result.stderr
    with database():
        assert Account.select().count() == 1
        assert Identity.select().count() == 1  # no orphan identity left behind


def test_a_login_differing_only_by_case_is_refused(create_user, initialised) -> None:
    assert create_user("julie.bernard").exit_code == 0

    result = create_user("Julie.Bernard")

    assert result.exit_code == 1
    assert "l'identifiant « julie.bernard » est déjà utilisé" in result.stderr


@pytest.mark.parametrize("rpps", ["1000341287", "100034128701", "1000341287A", "١٠٠٠٣٤١٢٨٧٠", " "])
def test_rpps_must_be_eleven_digits(create_user, initialised, database, rpps: str) -> None:
    result = create_user("julie.bernard", "--rpps", rpps)

    assert result.exit_code == 1, result.output
    assert "doit compter exactement 11 chiffres" in result.stderr
    with database():
        assert Account.select().count() == 0


def test_duplicate_rpps_and_address_are_refused_together(create_user, initialised) -> None:
    assert create_user("julie.bernard", "--rpps", "10003412870", "--mssante-address", ADDRESS).exit_code == 0

    result = create_user("julie.b2", "--rpps", "10003412870", "--mssante-address", ADDRESS.upper())

    assert result.exit_code == 1
    assert "le numéro RPPS 10003412870 appartient déjà à un autre compte" in result.stderr
    assert f"l'adresse « {ADDRESS} » est déjà attribuée" in result.stderr


@pytest.mark.parametrize("address, message", [
    ("pas-une-adresse", "n'est pas une adresse de messagerie valide"),
    ("julie@", "n'est pas une adresse de messagerie valide"),
    ("julie.bernard@gmail.com", "n'est pas une adresse MSSanté"),
    ("julie.bernard@faux-mssante.fr", "n'est pas une adresse MSSanté"),
])
def test_invalid_addresses_are_refused(create_user, initialised, database, address: str, message: str) -> None:
    result = create_user("julie.bernard", "--mssante-address", address)

    assert result.exit_code == 1
    assert message in result.stderr
    with database():
        assert MailAddress.select().count() == 0


def test_every_input_error_is_listed_at_once(create_user, initialised) -> None:
    result = create_user("julie bernard", "--rpps", "123", "--mssante-address", "x@gmail.com")

    assert result.exit_code == 1
    assert result.stderr.startswith("Erreur : le compte n'est pas créé.")
    assert "sans espace" in result.stderr
    assert "11 chiffres" in result.stderr
    assert "n'est pas une adresse MSSanté" in result.stderr


def test_not_eligible_professional_cannot_hold_an_address(create_user, initialised) -> None:
    result = create_user("claire.moreau", "--not-eligible", "--mssante-address", ADDRESS)

    assert result.exit_code == 1
    assert "non éligible à MSSanté" in result.stderr


def test_not_eligible_professional_without_address(create_user, initialised, database) -> None:
    assert create_user("claire.moreau", "--not-eligible").exit_code == 0
    with database():
        assert not Account.get(Account.login == "claire.moreau").identity.mssante_eligible


def test_blank_names_are_refused(run, initialised) -> None:
    result = run("user", "create", "--login", "x", "--first-name", " ", "--last-name", "",
                 "--password-stdin", input="motdepasse-solide\n")

    assert result.exit_code == 1
    assert "prénom : ce champ est obligatoire" in result.stderr
    assert "nom : ce champ est obligatoire" in result.stderr


def test_missing_required_option_is_a_french_usage_error(run) -> None:
    result = run("user", "create", "--first-name", "Julie")

    assert result.exit_code == 2
    assert "Option manquante '--login'" in result.stderr
    assert "Essayez « relais user create --help »" in result.stderr


def test_list_is_empty_then_shows_accounts(run, initialised, create_user) -> None:
    empty = run("user", "list")
    create_user("julie.bernard", "--rpps", "10003412870", "--mssante-address", ADDRESS, "--admin")
    create_user("claire.moreau", "--not-eligible")
    listed = run("user", "list")

    assert empty.exit_code == 0 and "Aucun compte" in empty.stdout
    assert listed.exit_code == 0, listed.output
    lines = listed.stdout.splitlines()
    assert lines[0].split() == ["Identifiant", "Nom", "Profession", "RPPS", "MSSanté", "Adresses", "Rôles", "État"]
    julie = next(line for line in lines if line.startswith("julie.bernard"))
    claire = next(line for line in lines if line.startswith("claire.moreau"))
    assert "10003412870" in julie and ADDRESS in julie and " oui" in julie and "Administrateur" in julie
    assert " non" in claire
