"""``relais token create|revoke|list``: the token is shown once, works, and stops working once revoked."""
from __future__ import annotations

import pytest

from kernel.auth.tokens import PREFIX, account_for_token
from kernel.models import Account, ApiToken


@pytest.fixture
def julie(initialised, create_user) -> str:
    assert create_user("julie.bernard").exit_code == 0
    return "julie.bernard"


def test_create_prints_only_the_token_on_stdout(run, julie, database) -> None:
    result = run("token", "create", "--login", julie, "--name", "logiciel du cabinet")

    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert token.startswith(PREFIX) and "\n" not in token  # TOKEN=$(relais token create ...) works
    assert "il ne sera plus jamais affiché" in result.stderr
    assert "relais token revoke 1" in result.stderr
    with database():
        row = ApiToken.get()
        assert row.name == "logiciel du cabinet"
        assert token not in row.token_hash  # only its digest is kept
        assert account_for_token(token).login == julie


def test_create_for_an_unknown_login(run, julie, database) -> None:
    result = run("token", "create", "--login", "personne")

    assert result.exit_code == 1
    assert "aucun compte n'a l'identifiant « personne »" in result.stderr
    assert result.stdout == ""
    with database():
        assert ApiToken.select().count() == 0


def test_create_for_a_deactivated_account(run, julie, database) -> None:
    with database():
        Account.update(active=False).where(Account.login == julie).execute()

    result = run("token", "create", "--login", julie)

    assert result.exit_code == 1
    assert "est désactivé" in result.stderr


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_create_with_a_bad_name(run, julie, name: str) -> None:
    result = run("token", "create", "--login", julie, "--name", name)

    assert result.exit_code == 1
    assert "de 1 à 100 caractères" in result.stderr


def test_revoke_then_the_token_no_longer_authenticates(run, julie, database) -> None:
    token = run("token", "create", "--login", julie).stdout.strip()

    revoked = run("token", "revoke", "1")
    again = run("token", "revoke", "1")

    assert revoked.exit_code == 0, revoked.output
    assert "Jeton n°1 « ligne de commande » de « julie.bernard » révoqué" in revoked.stdout
    assert again.exit_code == 0 and "était déjà révoqué" in again.stdout
    with database():
        assert account_for_token(token) is None


@pytest.mark.parametrize("token_id, code, message", [("42", 1, "aucun jeton n°42"),
                                                      ("abc", 2, "n'est pas un nombre valide")])
def test_revoke_an_unknown_or_malformed_id(run, julie, token_id: str, code: int, message: str) -> None:
    result = run("token", "revoke", token_id)

    assert result.exit_code == code
    assert message in result.stderr


def test_list_never_shows_the_secret(run, julie, create_user) -> None:
    create_user("marc.petit")
    first = run("token", "create", "--login", julie, "--name", "agenda").stdout.strip()
    run("token", "create", "--login", "marc.petit", "--name", "imprimante")
    run("token", "revoke", "1")

    everything = run("token", "list")
    julie_only = run("token", "list", "--login", julie)

    assert everything.exit_code == 0, everything.output
    assert first not in everything.stdout
    assert "agenda" in everything.stdout and "imprimante" in everything.stdout
    assert "révoqué le" in everything.stdout and "actif" in everything.stdout
    assert "imprimante" not in julie_only.stdout
