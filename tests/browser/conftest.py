"""Browser fixtures: one headless Chromium per session, fresh contexts per test, a live server per test.

The Debian Chromium is used as is; no browser is ever downloaded.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from support.live_server import LiveServer

CHROMIUM = os.environ.get("RELAIS_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (set RELAIS_TEST_CHROMIUM)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Site:
    """A running app: ``url`` for the browser, ``app`` for preparing data (inside ``app.app_context()``)."""

    app: Any
    url: str


@pytest.fixture
def make_site(make_app) -> Iterator[Callable[..., Site]]:
    """``make_site(plugins=None)``: an app (SQLite) served on a free loopback port until the test ends."""
    servers: list[LiveServer] = []

    def start(plugins: Any = None) -> Site:
        app = make_app("sqlite", plugins=plugins)
        server = LiveServer(app)
        servers.append(server)
        return Site(app, server.start())

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def site(make_site) -> Site:
    """The app with the test channels "test_chat" and "test_mail"."""
    return make_site()


@pytest.fixture
def new_page(chromium) -> Iterator[Callable[..., Any]]:
    """``new_page()`` opens a page in a fresh context (its own cookies: one user each).

    A JavaScript error on any page fails the test.
    """
    contexts, errors = [], []

    def open_page(width: int = 1366, height: int = 800) -> Any:
        context = chromium.new_context(viewport={"width": width, "height": height}, locale="fr-FR",
                                       timezone_id="Europe/Paris")
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors: {errors}"


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
