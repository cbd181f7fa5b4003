"""The session cookie's signing serializer is built once per secret key (kernel/auth/cookie_session.py), and
the cookie behaves as Flask's: a signed-in browser stays signed in, a key change signs anew and still reads
cookies signed with a fallback key, a forged cookie is an empty session."""
from __future__ import annotations

from flask import session

from kernel.auth.cookie_session import CookieSessions
from kernel.testing import make_account, sign_in


def test_one_serializer_per_secret_key(sqlite_app) -> None:
    interface = sqlite_app.session_interface
    assert isinstance(interface, CookieSessions)
    first = interface.get_signing_serializer(sqlite_app)
    assert interface.get_signing_serializer(sqlite_app) is first
    sqlite_app.config["SECRET_KEY_FALLBACKS"] = [sqlite_app.secret_key]
    sqlite_app.secret_key = "a-new-secret-key-of-enough-length"
    rotated = interface.get_signing_serializer(sqlite_app)
    assert rotated is not first
    assert rotated.loads(first.dumps({"x": 1})) == {"x": 1}  # a cookie signed with the old key still reads


def test_a_signed_in_browser_stays_signed_in_and_a_forged_cookie_is_nobody(sqlite_app) -> None:
    with sqlite_app.app_context():
        user = sign_in(sqlite_app, make_account("alice"))
    assert user.browser.get("/api/v1/me").status_code == 200
    assert user.browser.get("/api/v1/me").status_code == 200  # the same serializer, another request
    stranger = sqlite_app.test_client()
    stranger.set_cookie("relais_session", "eyJzaWQiOiJ4In0.forged.signature")
    assert stranger.get("/api/v1/me").status_code == 401
    with sqlite_app.test_request_context("/"):
        assert dict(session) == {}
