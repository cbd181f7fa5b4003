"""Checking passwords: argon2 hashes, throttling across instances, audit of every attempt."""
from __future__ import annotations

import pytest

from kernel.auth.login import LoginRefused, authenticate
from kernel.models import Account, AuditEvent, LoginAttempt
from support.factories import PASSWORD, make_account


def _login(app, login, password, addr="10.0.0.1"):
    with app.test_request_context(environ_base={"REMOTE_ADDR": addr}):
        return authenticate(login, password, addr)


def test_good_password_signs_in_and_stamps_the_account(app):
    alice = make_account("alice")
    assert _login(app, "alice", PASSWORD).id == alice.id
    assert Account.get_by_id(alice.id).last_login_at is not None
    assert AuditEvent.select().where((AuditEvent.action == "login") & (AuditEvent.outcome == "ok")).count() == 1


def test_wrong_password_and_unknown_login_say_the_same_thing(app):
    make_account("alice")
    for login, password in (("alice", "faux"), ("personne", PASSWORD), ("", "")):
        with pytest.raises(LoginRefused, match="^Identifiant ou mot de passe incorrect.$"):
            _login(app, login, password)


def test_too_many_failures_lock_the_login_but_not_others(app):
    make_account("alice")
    make_account("bob")
    for _ in range(5):
        with pytest.raises(LoginRefused):
            _login(app, "alice", "faux")
    with pytest.raises(LoginRefused, match="Trop de tentatives de connexion. Réessayez dans 15 minutes"):
        _login(app, "alice", PASSWORD)
    # Another professional behind the same hospital address still gets in.
    assert _login(app, "bob", PASSWORD).login == "bob"
    assert AuditEvent.select().where(AuditEvent.outcome == "throttled").count() == 1


def test_a_success_clears_earlier_failures(app):
    make_account("alice")
    for _ in range(3):
        with pytest.raises(LoginRefused):
            _login(app, "alice", "faux")
    _login(app, "alice", PASSWORD)
    assert LoginAttempt.select().where(LoginAttempt.login == "alice").count() == 0


def test_deactivated_accounts_cannot_sign_in(app):
    alice = make_account("alice")
    alice.active = False
    alice.save()
    with pytest.raises(LoginRefused):
        _login(app, "alice", PASSWORD)
