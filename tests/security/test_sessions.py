"""Sessions live on the server: a copied cookie is refused after logout, a new password, a deactivation,
and past the idle and absolute lifetimes; the cookie carries nothing of the password."""
from __future__ import annotations

import datetime as dt


from kernel.auth import still_authorised
from kernel.auth.account_state import deactivate, reactivate, set_password
from kernel.auth.tokens import create_token
from kernel.db import utcnow
from kernel.models import Account, ApiToken, BrowserSession
from security.signin_forms import SESSION_COOKIE, copy_of, login_form, signed_in
from support.factories import PASSWORD, bearer, make_account


def _account(app, login):
    with app.app_context():
        return Account.get(Account.login == login)


def test_a_copied_cookie_is_refused_once_its_owner_logs_out(site):
    alice = signed_in(site, "alice")
    thief = copy_of(site, alice)
    assert thief.get("/api/v1/me").status_code == 200  # a copy works while the session lives...
    assert alice.post("/logout").status_code == 302
    assert alice.get("/api/v1/me").status_code == 401
    assert thief.get("/api/v1/me").status_code == 401  # ...and not a moment after
    with site.app_context():
        assert BrowserSession.get().ended_at is not None


def test_a_new_password_ends_every_session_of_the_account_only(site):
    alice, alice_elsewhere, bob = signed_in(site, "alice"), signed_in(site, "alice", "10.0.0.2"), signed_in(site, "bob")
    thief = copy_of(site, alice)
    with site.app_context():
        assert set_password(Account.get(Account.login == "alice"), "un-nouveau-mot-de-passe") == 2
    for client in (alice, alice_elsewhere, thief):
        assert client.get("/api/v1/me").status_code == 401
    assert bob.get("/api/v1/me").status_code == 200
    assert login_form(alice, "alice", "un-nouveau-mot-de-passe").status_code == 302
    assert login_form(thief, "alice", PASSWORD).status_code == 401


def test_deactivation_ends_sessions_and_tokens_and_reactivation_brings_none_back(site):
    alice = signed_in(site, "alice")
    thief = copy_of(site, alice)
    with site.app_context():
        token = bearer(_account(site, "alice"))
    api = site.test_client()
    assert api.get("/api/v1/me", headers=token).status_code == 200
    with site.app_context():
        deactivate(Account.get(Account.login == "alice"))
    for client in (alice, thief):
        assert client.get("/api/v1/me").status_code == 401
    assert api.get("/api/v1/me", headers=token).status_code == 401
    assert login_form(site.test_client(), "alice").status_code == 401
    with site.app_context():
        reactivate(Account.get(Account.login == "alice"))
        assert ApiToken.get().revoked_at is not None
    for client in (alice, thief):
        assert client.get("/api/v1/me").status_code == 401
    assert api.get("/api/v1/me", headers=token).status_code == 401
    assert login_form(site.test_client(), "alice").status_code == 302


def test_an_account_deactivated_by_any_means_loses_its_live_sessions(site):
    # Whoever flips the flag (a script, a future admin page), the session check joins the account.
    alice = signed_in(site, "alice")
    with site.app_context():
        Account.update(active=False).where(Account.login == "alice").execute()
    assert alice.get("/api/v1/me").status_code == 401
    assert alice.get("/").status_code == 302  # the pages send it to the login page


def _age(site, **columns):
    with site.app_context():
        BrowserSession.update(**columns).execute()


def test_a_session_idle_longer_than_the_setting_ends(site):
    alice = signed_in(site, "alice")
    idle = site.extensions["relais"].config["session_idle_minutes"]
    _age(site, last_seen_at=utcnow() - dt.timedelta(minutes=idle - 2))
    assert alice.get("/api/v1/me").status_code == 200  # used again in time: stamped, lives on
    with site.app_context():
        assert utcnow() - BrowserSession.get().last_seen_at < dt.timedelta(seconds=30)
    _age(site, last_seen_at=utcnow() - dt.timedelta(minutes=idle + 1))
    assert alice.get("/api/v1/me").status_code == 401


def test_a_session_ends_at_its_absolute_lifetime_however_active(site):
    alice = signed_in(site, "alice")
    hours = site.extensions["relais"].config["session_hours"]
    _age(site, created_at=utcnow() - dt.timedelta(hours=hours) + dt.timedelta(minutes=1))
    assert alice.get("/api/v1/me").status_code == 200
    _age(site, created_at=utcnow() - dt.timedelta(hours=hours, minutes=1))
    assert alice.get("/api/v1/me").status_code == 401


def test_lifetimes_are_settings(make_app):
    app = make_app("sqlite", session_idle_minutes=5, session_hours=1)
    with app.app_context():
        make_account("alice")
    alice = signed_in(app, "alice")
    _age(app, last_seen_at=utcnow() - dt.timedelta(minutes=6))
    assert alice.get("/api/v1/me").status_code == 401
    alice = signed_in(app, "alice")
    _age(app, created_at=utcnow() - dt.timedelta(minutes=61))
    assert alice.get("/api/v1/me").status_code == 401


def test_last_seen_is_written_at_most_once_a_minute(site):
    alice = signed_in(site, "alice")
    stamp = utcnow() - dt.timedelta(seconds=20)
    _age(site, last_seen_at=stamp)
    alice.get("/api/v1/me")
    with site.app_context():
        assert BrowserSession.get().last_seen_at == stamp  # no write per request
    _age(site, last_seen_at=stamp - dt.timedelta(seconds=45))
    alice.get("/api/v1/me")
    with site.app_context():
        assert BrowserSession.get().last_seen_at > stamp


def test_the_cookie_carries_a_random_id_and_nothing_of_the_password(site):
    alice = signed_in(site, "alice")
    cookie = alice.get_cookie(SESSION_COOKIE).value
    content = site.session_interface.get_signing_serializer(site).loads(cookie)
    assert set(content) <= {"_permanent", "sid", "csrf_token", "_flashes"}
    password_hash = _account(site, "alice").password_hash
    with site.app_context():
        row = BrowserSession.get()
    assert content["sid"] != row.token_hash and len(content["sid"]) >= 40  # only its digest is stored
    for n in range(len(password_hash) - 8):
        assert password_hash[n:n + 8] not in cookie and password_hash[n:n + 8] not in str(content)


def test_a_cookie_forged_with_the_old_fields_opens_nothing(site):
    # The former cookie named the account and a piece of its password hash; such a cookie is now anonymous.
    alice = _account(site, "alice")
    forged = site.test_client()
    with forged.session_transaction() as session:
        session["account_id"] = alice.id
        session["auth_epoch"] = alice.password_hash[-16:]
    assert forged.get("/api/v1/me").status_code == 401


def test_signing_in_again_replaces_the_session_it_came_with(site):
    """Session fixation: a cookie planted before sign-in is not the one signed in."""
    client = signed_in(site, "alice")
    before = client.get_cookie(SESSION_COOKIE).value
    login_form(client, "alice")
    assert client.get_cookie(SESSION_COOKIE).value != before
    with site.app_context():
        assert BrowserSession.select().count() == 2


def test_still_authorised_follows_sessions_and_tokens(site):
    alice = signed_in(site, "alice")
    with site.app_context():
        account = _account(site, "alice")
        session_id = BrowserSession.get().id
        create_token(account, "t")
        token_id = ApiToken.get().id
        assert still_authorised("session", session_id) and still_authorised("token", token_id)
        assert not still_authorised("session", None) and not still_authorised("other", session_id)
    alice.post("/logout")
    with site.app_context():
        assert not still_authorised("session", session_id)
        assert still_authorised("token", token_id)
        Account.update(active=False).where(Account.id == account.id).execute()
        assert not still_authorised("token", token_id)


def test_an_answer_sent_before_a_logout_does_not_overwrite_the_logouts_cookie(site):
    """Another tab's call, sent with the session's cookie and answered after the logout, leaves the cookie the
    logout set alone (it carries « Vous êtes déconnecté. »); an answer never re-sends an unchanged session."""
    alice = signed_in(site, "alice")
    late_tab = copy_of(site, alice)  # the same browser's cookie, as another tab sent it before the logout
    answer = alice.get("/api/v1/me")
    assert answer.status_code == 200 and "Set-Cookie" not in answer.headers  # nothing to re-send
    logout = alice.post("/logout")
    assert logout.status_code == 302 and SESSION_COOKIE in logout.headers["Set-Cookie"]
    refused = late_tab.get("/api/v1/me")
    assert refused.status_code == 401 and "Set-Cookie" not in refused.headers
    page = alice.get("/login")
    assert "Vous êtes déconnecté." in page.get_data(as_text=True)
    # A page loaded with the ended session's cookie does forget it.
    assert SESSION_COOKIE in late_tab.get("/login").headers.get("Set-Cookie", "")
