"""``relais user password``, ``deactivate`` and ``activate``: what ends an account's access ends it at once."""
from __future__ import annotations

from kernel.auth.passwords import verify_password
from kernel.models import Account, ApiToken
from kernel.testing import sign_in


def _signed_in(database):
    """A browser session and a token of julie.bernard, on the platform the commands use."""
    with database() as app:
        user = sign_in(app, Account.get(Account.login == "julie.bernard"))
        assert user.browser.get("/api/v1/me").status_code == 200
        return app, user


def test_a_new_password_closes_the_browser_sessions(run, initialised, create_user, database) -> None:
    create_user()
    app, user = _signed_in(database)
    result = run("user", "password", "--login", "julie.bernard", "--password-stdin", input="tout-nouveau-secret\n")
    assert result.exit_code == 0, result.output
    assert result.stdout == ("Mot de passe de « julie.bernard » changé ; 1 session fermée(s) : "
                             "il faudra se reconnecter partout.\n")
    with app.app_context():
        assert user.browser.get("/api/v1/me").status_code == 401
        assert user.api.get("/api/v1/me").status_code == 200  # a program's token is not the password
        assert verify_password(Account.get(Account.login == "julie.bernard").password_hash, "tout-nouveau-secret")


def test_a_password_too_short_or_mistyped_changes_nothing(run, initialised, create_user, database) -> None:
    create_user()
    app, user = _signed_in(database)
    result = run("user", "password", "--login", "julie.bernard", "--password-stdin", input="court\n")
    assert result.exit_code != 0 and "au moins 8 caractères" in result.output
    result = run("user", "password", "--login", "julie.bernard", input="un-secret-long\nun-autre-long\n")
    assert result.exit_code != 0 and "diffèrent : le mot de passe n'est pas changé" in result.output
    result = run("user", "password", "--login", "personne", "--password-stdin", input="un-secret-long\n")
    assert result.exit_code != 0 and "aucun compte n'a l'identifiant « personne »" in result.output
    with app.app_context():
        assert user.browser.get("/api/v1/me").status_code == 200


def test_deactivation_ends_sessions_and_tokens_and_activation_restores_only_the_password(
        run, initialised, create_user, database) -> None:
    create_user()
    app, user = _signed_in(database)
    result = run("user", "deactivate", "--login", "julie.bernard")
    assert result.exit_code == 0, result.output
    assert "Compte « julie.bernard » désactivé ; 1 session fermée(s) et ses jetons d'accès révoqués." in result.stdout
    with app.app_context():
        assert user.browser.get("/api/v1/me").status_code == 401
        assert user.api.get("/api/v1/me").status_code == 401
    assert "déjà désactivé" in run("user", "deactivate", "--login", "julie.bernard").stdout
    assert "désactivé" in run("user", "list").stdout
    result = run("user", "activate", "--login", "julie.bernard")
    assert result.exit_code == 0 and "réactivé" in result.stdout
    with app.app_context():
        assert user.browser.get("/api/v1/me").status_code == 401
        assert user.api.get("/api/v1/me").status_code == 401
        assert ApiToken.get().revoked_at is not None and Account.get().active
    assert "déjà actif" in run("user", "activate", "--login", "julie.bernard").stdout
