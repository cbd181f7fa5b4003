"""The platform as an installable app (issue 15, item 9), in a real Chromium: the manifest parses and its icons
load, Chromium finds nothing that stops the install, the service worker controls the page after a reload and
keeps only the shell's static files, and a page asked offline is the French offline page."""
from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect

from support.factories import make_account

pytestmark = pytest.mark.browser


@pytest.fixture
def app_site(make_site):
    site = make_site(platform_name="Relais Santé Annecy")
    with site.app.app_context():
        make_account("alice", "Alice", "Martin", profession="Médecin généraliste")
    return site


def controlled(page) -> bool:
    page.evaluate("navigator.serviceWorker.ready")
    page.reload()
    return page.evaluate("navigator.serviceWorker.controller !== null")


@pytest.fixture
def profile_page(chromium, tmp_path):
    """A page of a browser profile on disk, as a user's: Chromium installs no app from a private window."""
    context = chromium.browser_type.launch_persistent_context(
        tmp_path / "profil", executable_path=os.environ.get("RELAIS_TEST_CHROMIUM", "/usr/bin/chromium"),
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"], locale="fr-FR",
        viewport={"width": 1366, "height": 800})
    context.set_default_timeout(10_000)
    yield context.pages[0] if context.pages else context.new_page()
    context.close()


def test_chromium_sees_an_installable_app_whose_worker_controls_the_page(app_site, profile_page, sign_in):
    page = profile_page
    sign_in(page, app_site, "alice")
    assert controlled(page)
    expect(page.locator("#exchange-list")).to_be_attached()

    cdp = page.context.new_cdp_session(page)
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["url"].endswith("/manifest.webmanifest")
    assert manifest["errors"] == [], manifest["errors"]
    parsed = manifest.get("manifest") or {}
    if parsed:  # recent Chromium gives the manifest as it understood it
        assert parsed["name"] == "Relais Santé Annecy"
    assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []

    # Every icon the manifest names is an image of the size it says.
    sizes = page.evaluate("""async () => {
        const manifest = await (await fetch("/manifest.webmanifest")).json();
        return Promise.all(manifest.icons.map(async (icon) => {
            const img = new Image();
            img.src = icon.src;
            await img.decode();
            return [icon.sizes, icon.purpose, img.naturalWidth, img.naturalHeight];
        }));
    }""")
    assert len(sizes) == 5
    for declared, purpose, width, height in sizes:
        assert declared == "any" or declared == f"{width}x{height}", (declared, width, height)
    assert {purpose for _, purpose, _, _ in sizes} == {"any", "maskable"}


def test_the_worker_keeps_static_files_only_and_shows_a_french_page_offline(app_site, new_page, sign_in, artifacts):
    page = new_page()
    sign_in(page, app_site, "alice")
    assert controlled(page)
    page.goto(app_site.url + "/patients")
    expect(page.locator("#patients-q")).to_be_visible()
    kept = page.evaluate("""async () => {
        const urls = [];
        for (const name of await caches.keys()) {
            for (const request of await (await caches.open(name)).keys()) urls.push(new URL(request.url).pathname);
        }
        return urls;
    }""")
    assert "/hors-ligne" in kept and any(u.endswith("/js/shell.js") for u in kept)
    # Never a page nor an API answer: those carry patients' data.
    assert all(u.startswith("/static/") or u == "/hors-ligne" for u in kept), kept

    page.context.set_offline(True)
    page.goto(app_site.url + "/")
    expect(page.get_by_role("heading", name="Vous êtes hors connexion")).to_be_visible()
    expect(page).to_have_title(re.compile("^Hors connexion · Relais Santé Annecy$"))
    page.screenshot(path=artifacts / "app-offline.png")
    page.context.set_offline(False)
    page.get_by_role("link", name="Réessayer").click()
    expect(page.locator("#exchange-list")).to_be_attached()
    expect(page.get_by_role("heading", name="Vous êtes hors connexion")).to_have_count(0)
