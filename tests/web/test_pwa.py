"""The installable app's routes through Flask's test client: manifest, service worker, offline page."""
from __future__ import annotations

import json
import re

import pytest

from support.factories import PASSWORD, make_account


@pytest.fixture
def shell_app(make_app):
    return make_app("sqlite", platform_name="Relais Santé Annecy")


@pytest.fixture
def browser(shell_app):
    return shell_app.test_client()


def signed_in(app, client):
    with app.app_context():
        make_account("alice", "Alice", "Martin")
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
    client.post("/login", data={"login": "alice", "password": PASSWORD, "csrf_token": token})
    return client


def test_the_manifest_names_the_platform_in_french_and_lists_its_icons(browser):
    r = browser.get("/manifest.webmanifest")
    assert r.status_code == 200
    assert r.mimetype == "application/manifest+json"
    data = json.loads(r.get_data(as_text=True))
    assert data["name"] == "Relais Santé Annecy"
    assert data["lang"] == "fr"
    assert (data["start_url"], data["scope"], data["display"]) == ("/", "/", "standalone")
    assert data["theme_color"] == "#12304e" and data["background_color"] == "#f3f5f7"
    icons = {(i["sizes"], i["type"], i["purpose"]) for i in data["icons"]}
    assert {("192x192", "image/png", "any"), ("512x512", "image/png", "any"),
            ("512x512", "image/png", "maskable"), ("any", "image/svg+xml", "any")} <= icons
    for icon in data["icons"]:
        got = browser.get(icon["src"])
        assert got.status_code == 200 and got.mimetype == icon["type"], icon
        if icon["type"] == "image/png":
            body = got.get_data()
            width, height = int.from_bytes(body[16:20], "big"), int.from_bytes(body[20:24], "big")
            assert f"{width}x{height}" == icon["sizes"]


def test_every_page_links_the_manifest_and_registers_the_worker(browser, shell_app):
    login = browser.get("/login").get_data(as_text=True)
    assert 'rel="manifest" href="/manifest.webmanifest"' in login
    assert '<meta name="theme-color" content="#12304e">' in login
    assert re.search(r'<script type="module" nonce="[^"]+" src="/static/shell/\w+/js/app.js">', login)
    inbox = signed_in(shell_app, browser).get("/").get_data(as_text=True)
    assert 'rel="manifest"' in inbox and 'rel="apple-touch-icon"' in inbox


def test_the_service_worker_is_a_script_at_the_root_with_a_policy_of_its_own(browser):
    r = browser.get("/service-worker.js")
    assert r.status_code == 200
    assert r.mimetype == "text/javascript"
    assert r.headers["Content-Security-Policy"] == "default-src 'none'; connect-src 'self'; frame-ancestors 'none'"
    assert r.headers["Cache-Control"] == "no-cache"
    first = r.get_data(as_text=True).split("\n", 1)[0]
    config = json.loads(first.removeprefix("const CONFIG = ").removesuffix(";"))
    assert config["offline"] == "/hors-ligne" and config["staticPrefix"] == "/static/"
    assert "/hors-ligne" in config["precached"]
    assert any(url.endswith("/js/shell.js") for url in config["precached"])
    assert any(url.endswith("/css/base.css") for url in config["precached"])
    assert not any("/api/" in url or url.endswith("service-worker.js") for url in config["precached"])
    for url in config["precached"]:
        assert browser.get(url).status_code == 200, url


def test_the_offline_page_is_french_and_the_same_for_everyone(browser, shell_app):
    anonymous = browser.get("/hors-ligne")
    assert anonymous.status_code == 200 and anonymous.mimetype == "text/html"
    text = anonymous.get_data(as_text=True)
    assert "Vous êtes hors connexion" in text and 'lang="fr"' in text
    assert "csrf" not in text  # nothing of a session: the worker keeps this page
    mine = signed_in(shell_app, browser).get("/hors-ligne")
    assert mine.headers["Cache-Control"] == "no-cache"
    assert "Alice" not in mine.get_data(as_text=True)


def test_the_app_routes_ask_nothing_of_the_database_for_a_visitor(browser, shell_app):
    from support.query_counter import count_queries

    for path in ("/manifest.webmanifest", "/service-worker.js", "/hors-ligne"):
        with count_queries(shell_app) as seen:
            assert browser.get(path).status_code == 200
        assert seen == [], (path, seen)
