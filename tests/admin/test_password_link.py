"""One-time password links: chosen once, before expiry, ending the account's sessions; never in the audit."""
from __future__ import annotations

import datetime as dt

from kernel.auth.passwords import verify_password
from kernel.db import utcnow
from kernel.models import Account, AuditEvent
from kernel.models.password_reset import PasswordReset
from kernel.testing import sign_in
from support.factories import make_account


def _path(link: str) -> str:
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def _csrf(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def _link(app, admin, account) -> str:
    return _path(admin.api.post(f"/api/v1/admin/accounts/{account.id}/password-link").json["link"])


def test_a_link_chooses_the_password_once_and_ends_the_sessions(app):
    admin = sign_in(app, make_account("admin", is_admin=True))
    bob = sign_in(app, make_account("bob"))
    path = _link(app, admin, bob.account)
    visitor = app.test_client()
    token = _csrf(visitor, path)
    mismatch = visitor.post(path, data={"csrf_token": token, "password": "un mot de passe", "confirmation": "autre"})
    assert mismatch.status_code == 422 and "Les deux mots de passe saisis diffèrent." in mismatch.get_data(as_text=True)
    short = visitor.post(path, data={"csrf_token": token, "password": "court", "confirmation": "court"})
    assert short.status_code == 422 and "Entre 8 et 1000 caractères." in short.get_data(as_text=True)
    assert bob.api.get("/api/v1/me").status_code == 200
    done = visitor.post(path, data={"csrf_token": token, "password": "un mot de passe", "confirmation": "un mot de passe"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    assert verify_password(Account.get_by_id(bob.account.id).password_hash, "un mot de passe")
    assert bob.browser.get("/api/v1/me").status_code == 401  # its browser session ended
    again = visitor.get(path)
    assert again.status_code == 410 and "plus valable" in again.get_data(as_text=True)
    other = app.test_client()  # a second tab that had the form open: refused too, nothing changed
    with other.session_transaction() as cookie:
        cookie.update({})
    assert "password-form" not in other.get(path).get_data(as_text=True)
    secret = path.rsplit("/", 1)[1]
    assert all(secret not in f"{e.detail} {e.request} {e.target}" for e in AuditEvent.select())
    assert AuditEvent.get(AuditEvent.action == "account.password").target == f"account:{bob.account.id}"


def test_an_expired_link_or_a_deactivated_account_is_refused(app):
    admin = sign_in(app, make_account("admin", is_admin=True))
    bob = make_account("bob")
    path = _link(app, admin, bob)
    PasswordReset.update(expires_at=utcnow() - dt.timedelta(minutes=1)).execute()
    assert app.test_client().get(path).status_code == 410
    path = _link(app, admin, bob)
    admin.api.post(f"/api/v1/admin/accounts/{bob.id}/deactivate")
    assert app.test_client().get(path).status_code == 410
    r = admin.api.post(f"/api/v1/admin/accounts/{bob.id}/password-link")
    assert r.status_code == 422 and "désactivé" in r.json["errors"]["_schema"][0]


def test_the_link_lasts_password_reset_hours(make_app):
    app = make_app("sqlite", password_reset_hours=2)
    with app.app_context():
        admin = sign_in(app, make_account("admin", is_admin=True))
        bob = make_account("bob")
        answer = admin.api.post(f"/api/v1/admin/accounts/{bob.id}/password-link").json
        expires = dt.datetime.fromisoformat(answer["expires_at"].replace("Z", "+00:00")).replace(tzinfo=None)
        assert dt.timedelta(minutes=119) < expires - utcnow() <= dt.timedelta(hours=2)
