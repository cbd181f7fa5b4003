"""docs/plugin-tutorial.md works as written: its files, installed with pip and enabled by configuration,
give a channel whose screen is served and through which a note is sent (API, live socket, real browser)."""
from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kernel.models import AuditEvent, Exchange, Message
from kernel.testing import PASSWORD, LiveServer, LiveSocket, make_account, sign_in

ROOT = Path(__file__).resolve().parents[2]
TUTORIAL = ROOT / "docs" / "plugin-tutorial.md"
BLOCK = re.compile(r'^```\w+ title="([^"]+)"\n(.*?)^```$', re.M | re.S)


def tutorial_files() -> dict[str, str]:
    return {name: code for name, code in BLOCK.findall(TUTORIAL.read_text(encoding="utf-8"))}


def concepts() -> list[str]:
    section = TUTORIAL.read_text(encoding="utf-8").split("## The seven concepts", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| \d+ \| [^|`]*`([^`]+)`", section, re.M)


def test_the_tutorial_has_its_three_files_and_at_most_seven_concepts():
    files = tutorial_files()
    assert sorted(files) == ["relais-transmission/pyproject.toml", "relais-transmission/relais_transmission/__init__.py",
                             "relais-transmission/relais_transmission/hooks.py"]
    names = concepts()
    assert len(names) <= 7 and names == ["relais.plugins", "plugins", "hookimpl", "Channel", "FormField", "deliver",
                                         "SendContext"]
    # The code uses no other kernel notion than the concepts (and the channel group a Channel is given).
    tree = ast.parse(files["relais-transmission/relais_transmission/hooks.py"])
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) for alias in node.names}
    assert imported - set(names) == {"GROUP_MONSISRA"}
    assert all(node.module == "kernel" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom))


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The tutorial's folder written from the page and pip-installed into a folder of its own."""
    work = tmp_path_factory.mktemp("tutorial")
    for name, code in tutorial_files().items():
        path = work / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(code, encoding="utf-8")
    target = work / "site"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index", "--quiet",
         "--target", str(target), str(work / "relais-transmission")],
        capture_output=True, text=True, timeout=300, env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    assert result.returncode == 0, result.stdout + result.stderr
    return target


@pytest.fixture
def site(installed, monkeypatch, relais_make_app):
    """An app that knows the plugin only through its installed entry point, enabled by the ``plugins`` setting."""
    monkeypatch.syspath_prepend(str(installed))
    app = relais_make_app(["transmission"])
    yield app
    for module in [m for m in sys.modules if m.split(".")[0] == "relais_transmission"]:
        del sys.modules[module]


def test_enabled_by_configuration_it_is_loaded_from_the_installed_package(site, installed):
    status = {s.name: s for s in site.extensions["relais"].report.plugins}["transmission"]
    assert (status.status, status.source, status.error) == ("loaded", "relais_transmission.hooks", "")
    assert Path(sys.modules["relais_transmission.hooks"].__file__).is_relative_to(installed)


def test_a_note_is_sent_from_its_screen_stored_and_seen_live(site):
    with site.app_context():
        alice = sign_in(site, make_account("alice", "Alice", "Martin"))
        bob = sign_in(site, make_account("bob", "Bob", "Durand", profession="Infirmier"))
    page = alice.browser.get("/envoyer/transmission")
    assert page.status_code == 200 and "Transmettre une consigne" in page.get_data(as_text=True)
    form = alice.browser.get("/api/v1/channels/transmission/form").json
    assert [f["name"] for f in form["fields"]] == ["acting_as", "members", "body"]

    refused = alice.browser.post("/api/v1/channels/transmission/exchanges", json={
        "acting_as": alice.identity_id, "members": [bob.identity_id]})
    assert refused.status_code == 422 and list(refused.json["errors"]) == ["body"]
    with LiveServer(site) as url:
        bob_live = LiveSocket(url, bob.headers)
        try:
            sent = alice.browser.post("/api/v1/channels/transmission/exchanges", json={
                "acting_as": alice.identity_id, "members": [bob.identity_id], "body": "Pansement du lit 12 à refaire."})
            assert sent.status_code == 201, sent.json
            event = bob_live.next_event("message.created")
        finally:
            bob_live.close()
    exchange_id = sent.json["exchange"]["id"]
    assert (event["exchange_id"], event["data"]["body"]) == (exchange_id, "Pansement du lit 12 à refaire.")
    with site.app_context():
        exchange = Exchange.get_by_id(exchange_id)
        assert (exchange.channel, exchange.subject) == ("transmission", "Transmission de Alice MARTIN")
        assert [m.body for m in Message.select()] == ["Pansement du lit 12 à refaire."]
        assert AuditEvent.select().where(AuditEvent.action == "exchange.create").count() == 1
    inbox = bob.api.get("/api/v1/exchanges?space=chat").json["exchanges"]
    assert [e["subject"] for e in inbox] == ["Transmission de Alice MARTIN"]


@pytest.mark.browser
def test_a_note_is_sent_in_a_real_browser(site, chromium):
    from playwright.sync_api import expect

    with site.app_context():
        make_account("alice", "Alice", "Martin")
        make_account("bob", "Bob", "Durand", profession="Infirmier")
    errors: list[str] = []
    context = chromium.new_context(locale="fr-FR", timezone_id="Europe/Paris")
    try:
        with LiveServer(site) as url:
            page = context.new_page()
            page.set_default_timeout(10_000)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(url + "/envoyer/transmission")
            page.get_by_label("Identifiant").fill("alice")
            page.get_by_label("Mot de passe").fill(PASSWORD)
            page.get_by_role("button", name="Se connecter").click()
            expect(page.locator("#compose-form")).to_have_attribute("data-ready", "true")
            to = page.get_by_label("Pour")
            to.click()
            to.press_sequentially("dur")
            page.locator("[data-field=members] [role=option]", has_text="Bob DURAND").click()
            page.get_by_label("Consigne").fill("Pansement du lit 12 à refaire.")
            page.get_by_role("button", name="Envoyer").click()
            expect(page).to_have_url(re.compile(r"/echanges/\d+$"))
            expect(page.locator("#thread")).to_contain_text("Pansement du lit 12 à refaire.")
            expect(page.locator("#thread")).to_contain_text("Transmission de Alice MARTIN")
    finally:
        context.close()
    assert not errors, errors
    with site.app_context():
        assert Exchange.get().subject == "Transmission de Alice MARTIN"
