"""The platform as ``relais demo`` fills it (every built-in plugin, kernel/demo.py's seed), served on a free
loopback port for a whole test module, and its users signed in once each (one browser context per user).

For the accessibility audit and the keyboard tests (tests/browser/test_accessibility.py, test_keyboard.py):
they look at pages with real content, as the demo's users see them. A test module takes the fixtures ``demo``
and ``visitors`` by importing them from here (``from support.demo_site import demo, visitors``).
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest
from playwright.sync_api import expect

DEMO_PASSWORD = "demo1234"
# The demo's users, the one most pages open for first (delegates last: they see least of their own).
DEMO_USERS = ("julie.bernard", "thomas.durand", "sophie.laurent", "marc.petit", "claire.moreau", "isabelle.roux")
ADMIN = "admin.accessibilite"  # created beside the demo when it has no administrator of its own


@dataclass
class DemoSite:
    url: str
    app: Any
    admin: str
    # Demo values for URL arguments, by argument name (every exchange, a few patients, every channel...).
    arguments: dict[str, list[Any]]


@contextmanager
def demo_site(folder: Path) -> Iterator[DemoSite]:
    from kernel import demo
    from kernel.models import Account, Exchange, Identity, Patient
    from kernel.testing import TestApps
    from kernel.testing.factories import make_account
    from kernel.testing.users import sign_in
    from support.live_server import LiveServer

    apps = TestApps(folder)
    app = apps.build(["*builtin"])
    demo.seed(app)
    relais = app.extensions["relais"]
    with app.app_context():
        admin = Account.select().where(Account.is_admin).first()
        if admin is None:
            admin = make_account(ADMIN, "Adèle", "Admin", profession="Administratrice", is_admin=True)
        _a_conversation(sign_in, relais.channels)
        arguments = {
            "exchange_id": [e.id for e in Exchange.select().order_by(Exchange.id)],
            "patient_id": [p.id for p in Patient.select().order_by(Patient.id).limit(2)],
            "name": sorted(relais.channels),
            "expert_id": _expert_ids(),
            "structure_id": [i.id for i in Identity.select().where(Identity.kind == "structure").limit(1)],
            "account_id": [a.id for a in Account.select().where(Account.login.in_(DEMO_USERS[:1]))],
            "secret": _password_link_secrets(Account.get(Account.login == DEMO_USERS[3]), admin),
        }
        admin_login = admin.login
    server = LiveServer(app)
    try:
        yield DemoSite(server.start(), app, admin_login, arguments)
    finally:
        server.stop()
        apps.close()


def _a_conversation(sign_in: Any, channels: dict[str, Any]) -> None:
    """The demo seeds no conversation: one between three of its doctors about a patient, with replies."""
    from flask import current_app

    from kernel.models import Account, Patient

    if "conversation" not in channels:
        return
    julie, thomas, marc = (sign_in(current_app, Account.get(Account.login == login))
                           for login in ("julie.bernard", "thomas.durand", "marc.petit"))
    patient = Patient.select().order_by(Patient.id).offset(1).first()
    response = julie.api.post("/api/v1/channels/conversation/exchanges", json={
        "acting_as": julie.identity_id, "members": [thomas.identity_id, marc.identity_id],
        "patient": patient.id, "subject": "Plaie du talon", "body": "Bonjour, pouvez-vous passer voir la plaie ?"})
    assert response.status_code == 201, response.json
    exchange_id = response.json["exchange"]["id"]
    for user, body in ((marc, "Je passe demain matin."), (thomas, "Merci, tenez-moi au courant.")):
        reply = user.api.post(f"/api/v1/exchanges/{exchange_id}/messages",
                              json={"body": body, "acting_as": user.identity_id})
        assert reply.status_code == 201, reply.json


def _password_link_secrets(account: Any, admin: Any) -> list[str]:
    """A one-time password link's secret (an administrator made it for ``account``), when links exist."""
    try:
        from kernel.auth.password_reset import make_link
    except ImportError:
        return []
    url, _ = make_link(account, admin)
    return [url.rsplit("/", 1)[1]]


def _expert_ids() -> list[int]:
    try:
        from plugins.teleexpertise.models import Expert
    except ImportError:
        return []
    return [e.id for e in Expert.select().order_by(Expert.id).limit(1)]


class Visitors:
    """One signed-in browser context per user, opened on first use (``None``: signed out). JavaScript errors
    and what the Content-Security-Policy blocks are collected in ``errors``."""

    def __init__(self, chromium: Any, site: DemoSite) -> None:
        self.chromium, self.site = chromium, site
        self.contexts: dict[str | None, Any] = {}
        self.errors: list[str] = []

    def context(self, login: str | None) -> Any:
        if login not in self.contexts:
            context = self.chromium.new_context(viewport={"width": 1366, "height": 800}, locale="fr-FR",
                                                timezone_id="Europe/Paris")
            context.set_default_timeout(10_000)
            self.contexts[login] = context
            if login is not None:
                page = self.page(login)
                page.goto(self.site.url + "/login")
                page.get_by_label("Identifiant").fill(login)
                page.get_by_label("Mot de passe").fill(self.password(login))
                page.get_by_role("button", name="Se connecter").click()
                expect(page).to_have_url(self.site.url + "/")
                page.close()
        return self.contexts[login]

    @staticmethod
    def password(login: str) -> str:
        from kernel.testing.factories import PASSWORD

        return PASSWORD if login == ADMIN else DEMO_PASSWORD

    def page(self, login: str | None) -> Any:
        page = self.context(login).new_page()
        page.on("pageerror", lambda exc: self.errors.append(f"{page.url}: {exc}"))
        page.on("console", lambda msg: self.errors.append(f"{page.url}: {msg.text}")
                if "Content Security Policy" in msg.text else None)
        return page

    def close(self) -> None:
        for context in self.contexts.values():
            context.close()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: Any, request: Any) -> Iterator[DemoSite]:
    """The demo site, seeded and served once for the test module that imports this fixture."""
    with demo_site(tmp_path_factory.mktemp(request.module.__name__.rpartition(".")[2])) as running:
        yield running


@pytest.fixture(scope="module")
def visitors(chromium: Any, demo: DemoSite) -> Iterator[Visitors]:
    """The demo's users signed in, one browser context each; the module fails on any JavaScript error."""
    found = Visitors(chromium, demo)
    yield found
    found.close()
    assert not found.errors, f"JavaScript errors: {found.errors}"
