"""Signed-in test users: an account with a bearer-token API client and a browser-like session client."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, g, session
from flask.testing import FlaskClient
from flask_wtf.csrf import generate_csrf

from ..auth import login_session
from ..auth.tokens import create_token
from ..models import Account


@dataclass
class RelaisUser:
    """One person signed in twice: ``api`` sends a bearer token (a program), ``browser`` a session cookie
    and the CSRF header the pages' scripts send (a browser). Both are Flask test clients."""

    account: Account
    token: str
    api: FlaskClient
    browser: FlaskClient

    @property
    def identity_id(self) -> int:
        """The id to put in ``acting_as`` or in another user's ``members``."""
        return self.account.identity_id

    @property
    def headers(self) -> dict[str, str]:
        """The bearer header, for clients of your own (a websocket, ``requests`` against a live server)."""
        return {"Authorization": f"Bearer {self.token}"}

    def session_cookie(self) -> str:
        """The session cookie's value, to sign a real browser in (Playwright) or open a cookie websocket."""
        cookie = self.browser.get_cookie(self.browser.application.config["SESSION_COOKIE_NAME"])
        assert cookie is not None, "the browser client has no session"
        return cookie.value


def sign_in(app: Flask, account: Account) -> RelaisUser:
    """Clients of ``account`` on ``app``, without going through the login form (and its throttling)."""
    _, token = create_token(account, "tests")
    api = app.test_client()
    api.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    browser = app.test_client()
    with app.test_request_context():
        # Inside a test's app context, flask-wtf's cached token (on g, which the app context holds) would
        # be the previous user's: each signs in with a token of its own session.
        g.pop("csrf_token", None)
        login_session(account)
        csrf = generate_csrf()  # stores its secret in the session it signs the token against
        values: dict[str, Any] = dict(session)
        g.pop("csrf_token", None)
    with browser.session_transaction() as cookie_session:
        cookie_session.update(values)
    browser.environ_base["HTTP_X_CSRFTOKEN"] = csrf
    return RelaisUser(account, token, api, browser)
