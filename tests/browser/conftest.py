"""Browser fixtures: fresh contexts per test on the session's Chromium (tests/conftest.py), a live server per test.

The Debian Chromium is used as is; no browser is ever downloaded.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from support.live_server import LiveServer

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@dataclass
class Site:
    """A running app: ``url`` for the browser, ``app`` for preparing data (inside ``app.app_context()``)."""

    app: Any
    url: str


@pytest.fixture
def make_site(make_app) -> Iterator[Callable[..., Site]]:
    """``make_site(plugins=None, **settings)``: an app (SQLite) served on a free loopback port until the test ends."""
    servers: list[LiveServer] = []

    def start(plugins: Any = None, **settings: Any) -> Site:
        app = make_app("sqlite", plugins=plugins, **settings)
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

    A JavaScript error, or anything the Content-Security-Policy blocks, on any page fails the test.
    """
    contexts, errors = [], []

    def open_page(width: int = 1366, height: int = 800, service_workers: str = "allow") -> Any:
        # service_workers="block" for a test that routes requests: Playwright's routes never see a request that
        # went through the app's service worker (installed after the first page, so a race otherwise).
        context = chromium.new_context(viewport={"width": width, "height": height}, locale="fr-FR",
                                       timezone_id="Europe/Paris", service_workers=service_workers)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
        # Chromium reports what the policy blocks (an inline script or style, a foreign image) on the console.
        page.on("console", lambda msg: errors.append(f"{page.url}: {msg.text}")
                if "Content Security Policy" in msg.text else None)
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors: {errors}"


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def sign_in() -> Callable[..., None]:
    """``sign_in(page, site, login, next_path="/")``: through the login page, landing on ``next_path``; on a
    send screen (``/envoyer/...``), once its form is built and ready to fill."""
    import re

    from playwright.sync_api import expect

    from support.factories import PASSWORD

    def go(page: Any, site: Site, login: str, next_path: str = "/") -> None:
        page.goto(site.url + next_path)
        expect(page).to_have_url(re.compile(r"/login\?next="))
        page.get_by_label("Identifiant").fill(login)
        page.get_by_label("Mot de passe").fill(PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        expect(page).to_have_url(site.url + next_path)
        if next_path.startswith("/envoyer/"):
            expect(page.locator("#compose-form")).to_have_attribute("data-ready", "true")
    return go


def png(width: int = 240, height: int = 160, tint: int = 0) -> bytes:
    """A small gradient picture, enough for a real thumbnail; ``tint`` shifts its colours."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + bytes(v % 256 for x in range(width)
                                    for v in (200 - y // 2 + tint, 120 + x // 4, 140 + tint // 2))
                    for y in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


@pytest.fixture
def picture() -> Callable[..., bytes]:
    return png


# The national MSSanté extraction's published layout (31 columns, "|"-separated), as imported by
# ``relais import-annuaire``: tests put professionals without a platform account into the directory this way.
EXTRACTION_HEADER = (
    "Type de BAL|Adresse BAL|Type Identifiant PP|Identifiant PP|Identification nationale PP|"
    "Type identifiant structure|Identification Structure|Service de rattachement|Civilité d'exercice|"
    "Nom d'exercice|Prénom d'exercice|Catégorie profession|Libellé de catégorie profession|Code Profession|"
    "Libellé Profession|Code savoir-faire|Libellé savoir-faire|Dématérialisation|Raison Sociale structure BAL|"
    "Enseigne commerciale structure BAL|L2COMPLEMENTLOCALISATION structure BAL|"
    "L3COMPLEMENTDISTRIBUTION structure BAL|L4NUMEROVOIE structure BAL|L4COMPLEMENTNUMEROVOIE structure BAL|"
    "NL4TYPEVOIE structure BAL|L4LIBELLEVOIE structure BAL|L5LIEUDITMENTION structure BAL|"
    "L6LIGNEACHEMINEMENT structure BAL|Code postal structure BAL|Département structure BAL|Pays structure BAL")


def extraction_row(address: str, rpps: str, first: str, last: str, profession: tuple[str, str],
                   organisation: str, city: tuple[str, str, str], bal_type: str = "PER") -> str:
    """One mailbox of a professional: ``profession`` is (code, label), ``city`` (name, postcode, département)."""
    name, postcode, department = city
    return "|".join([bal_type, address, "8", rpps, f"8{rpps}", "1", "740000001", "", "", last.upper(), first, "C",
                     "Civil", *profession, "", "", "O", organisation, "", "", "", "12", "", "RUE", "DES LILAS", "",
                     f"{postcode} {name.upper()}", postcode, department, "99100"])


class NationalDirectory:
    """``national_directory(site, [national_directory.row(...), ...])`` imports those mailboxes."""

    row = staticmethod(extraction_row)

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def __call__(self, site: Site, rows: list[str]) -> None:
        from kernel.directory.importer import import_source
        from kernel.directory.reader import Source

        path = self.folder / "Extraction_Correspondance_MSSante_test.txt"
        path.write_text("\n".join([EXTRACTION_HEADER, *rows]) + "\n", encoding="utf-8")
        with site.app.app_context():
            outcome = import_source(Source(path))
        assert not getattr(outcome, "rejected", 0), outcome


@pytest.fixture
def national_directory(tmp_path) -> NationalDirectory:
    return NationalDirectory(tmp_path)
