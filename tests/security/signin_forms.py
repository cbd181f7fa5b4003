"""Signing in through the login form, as a browser does (CSRF token, cookies), for the security tests.

Requests run outside any pushed app context, as in production: Flask-WTF keeps the CSRF token in ``g``.
"""
from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from support.factories import PASSWORD

SESSION_COOKIE = "relais_session"


def browser(app: Any, address: str = "10.0.0.1") -> FlaskClient:
    """A browser of its own (cookies) coming from ``address``."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    client.environ_base["HTTP_USER_AGENT"] = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) "
                                              "Gecko/20100101 Firefox/128.0")
    return client


def csrf_of(client: FlaskClient, path: str = "/login") -> str:
    page = client.get(path, follow_redirects=True).get_data(as_text=True)
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)


def login_form(client: FlaskClient, login: str, password: str = PASSWORD) -> Any:
    """POST the login form; a success is a 302, a refusal 401, throttling 429."""
    return client.post("/login", data={"login": login, "password": password, "next": "",
                                       "csrf_token": csrf_of(client)})


def signed_in(app: Any, login: str, address: str = "10.0.0.1") -> FlaskClient:
    client = browser(app, address)
    r = login_form(client, login)
    assert r.status_code == 302, r.get_data(as_text=True)
    client.environ_base["HTTP_X_CSRFTOKEN"] = client.get("/api/v1/me").json["csrf_token"]
    return client


def copy_of(app: Any, client: FlaskClient, address: str = "203.0.113.9") -> FlaskClient:
    """Another browser carrying a copy of ``client``'s session cookie (a stolen cookie)."""
    thief = browser(app, address)
    thief.set_cookie(SESSION_COOKIE, client.get_cookie(SESSION_COOKIE).value)
    return thief
