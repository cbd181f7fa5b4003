"""``relais user password`` with local passwords turned off (setting password_login): refused, nothing changed."""
from __future__ import annotations

from kernel.auth.passwords import verify_password
from kernel.models import Account


def test_no_password_is_set_when_password_login_is_off(run, initialised, create_user, database, monkeypatch) -> None:
    create_user()
    monkeypatch.setenv("RELAIS_PASSWORD_LOGIN", "false")
    result = run("user", "password", "--login", "julie.bernard", "--password-stdin", input="tout-nouveau-secret\n")
    assert result.exit_code != 0
    assert "connexion par mot de passe est désactivée" in result.output and "Pro Santé Connect" in result.output
    with database():
        assert not verify_password(Account.get(Account.login == "julie.bernard").password_hash, "tout-nouveau-secret")
