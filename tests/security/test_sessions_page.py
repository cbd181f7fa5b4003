"""« Sessions et accès » in Chromium: a user closes a browser they do not recognise and revokes a token,
and both are refused at once; the page runs under the Content-Security-Policy without a violation."""
from __future__ import annotations

import re

import pytest

from kernel.models import Account
from kernel.testing import LiveServer
from support.factories import PASSWORD, bearer, make_account

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect


@pytest.fixture
def site(make_app):
    app = make_app("sqlite")
    with app.app_context():
        make_account("alice", "Alice", "Martin")
    with LiveServer(app) as url:
        yield app, url


@pytest.fixture
def open_page(chromium):
    contexts, problems = [], []

    def open_() -> object:
        context = chromium.new_context(locale="fr-FR", timezone_id="Europe/Paris")
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: problems.append(str(exc)))
        page.on("console", lambda msg: problems.append(msg.text) if "Content Security Policy" in msg.text else None)
        return page

    yield open_
    for context in contexts:
        context.close()
    assert not problems, problems


def _sign_in(page, url: str) -> None:
    page.goto(url + "/login")
    page.get_by_label("Identifiant").fill("alice")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(url + "/")


def test_closing_another_session_and_revoking_a_token(site, open_page):
    app, url = site
    with app.app_context():
        headers = bearer(Account.get(Account.login == "alice"))
    desk, laptop = open_page(), open_page()
    _sign_in(desk, url)
    _sign_in(laptop, url)
    desk.get_by_role("link", name="Sessions et accès").click()
    expect(desk).to_have_url(url + "/mes-acces")
    sessions = desk.locator("#session-list > li")
    expect(sessions).to_have_count(2)
    expect(desk.locator(".access-current")).to_have_text("Cette session")
    expect(sessions.first).to_contain_text("127.0.0.1")
    desk.locator("#session-list").get_by_role("button", name="Fermer").click()
    expect(sessions).to_have_count(1)
    expect(desk.locator("#access-done")).to_contain_text("Session fermée")
    # The other browser is signed out at once: its live socket closes (1008) and the page goes to the login page
    # by itself (a reload here would race that navigation).
    expect(laptop).to_have_url(re.compile(r"/login\?next="), timeout=15000)

    tokens = desk.locator("#token-list > li")
    expect(tokens).to_have_count(1)
    expect(tokens.first).to_contain_text("tests")
    revoke = tokens.first.get_by_role("button")
    revoke.click()
    expect(revoke).to_have_text("Confirmer la révocation")  # one click alone revokes nothing
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 200
    revoke.click()
    expect(tokens).to_have_count(0)
    expect(desk.locator("#token-empty")).to_be_visible()
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 401
