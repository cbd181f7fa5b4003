"""The platform as an installable app (issue 15, item 9), in a real Chromium: the manifest parses and its icons
load, Chromium finds nothing that stops the install, the service worker controls the page after a reload and
keeps only the shell's static files, and a page asked offline is the French offline page."""
from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect

from support.factories import bearer, make_account
from support.offline import go_offline

pytestmark = pytest.mark.browser


@pytest.fixture
def app_site(make_site):
    site = make_site(platform_name="Relais Santé Annecy")
    with site.app.app_context():
        site.alice = make_account("alice", "Alice", "Martin", profession="Médecin généraliste")
    return site


def controlled(page) -> bool:
    # Bounded: a worker whose install failed is never ready, and the assertion below says so.
    page.evaluate("""() => Promise.race([navigator.serviceWorker.ready,
                                         new Promise((resolve) => setTimeout(resolve, 10000))]).then(() => true)""")
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

    go_offline(page)
    page.goto(app_site.url + "/")
    expect(page.get_by_role("heading", name="Vous êtes hors connexion")).to_be_visible()
    expect(page).to_have_title(re.compile("^Hors connexion · Relais Santé Annecy$"))
    page.screenshot(path=artifacts / "app-offline.png")
    page.context.set_offline(False)
    page.get_by_role("link", name="Réessayer").click()
    expect(page.locator("#exchange-list")).to_be_attached()
    expect(page.get_by_role("heading", name="Vous êtes hors connexion")).to_have_count(0)


def test_the_installed_app_shows_the_unread_count_on_its_icon(app_site, profile_page, sign_in, artifacts):
    site, page = app_site, profile_page
    with site.app.app_context():
        bob = make_account("bob", "Bob", "Durand", profession="Infirmier")
        alice_headers, bob_headers = bearer(site.alice), bearer(bob)
    client = site.app.test_client()
    r = client.post("/api/v1/channels/test_chat/exchanges", headers=alice_headers, json={
        "acting_as": site.alice.identity_id, "members": [bob.identity_id], "subject": "Pansement", "body": "Bonjour"})
    assert r.status_code == 201, r.json
    exchange_id = r.json["exchange"]["id"]
    sign_in(page, site, "alice")
    assert controlled(page)
    cdp = page.context.new_cdp_session(page)
    manifest_id = cdp.send("Page.getAppManifest")["manifest"]["id"]
    cdp.send("PWA.install", {"manifestId": manifest_id})  # as « Installer Relais Santé Annecy » does
    expect(page.locator("body")).to_have_attribute("data-live", "connected")

    badge = lambda: cdp.send("PWA.getOsAppState", {"manifestId": manifest_id})["badgeCount"]  # noqa: E731
    assert badge() == 0
    for text in ("La plaie suinte", "Je passe ce soir"):
        assert client.post(f"/api/v1/exchanges/{exchange_id}/messages", headers=bob_headers,
                           json={"body": text}).status_code == 201
    expect(page).to_have_title("(2) Boîte de réception · Relais Santé Annecy")
    page.wait_for_function("() => document.documentElement.dataset.unread === '2'")
    assert badge() == 2
    app_window_picture(page, artifacts / "app-window.png")

    page.goto(f"{site.url}/echanges/{exchange_id}")  # read: the count goes
    expect(page.locator("#messages")).to_contain_text("Je passe ce soir")
    page.wait_for_function("() => document.documentElement.dataset.unread === '0'")
    assert badge() == 0
    expect(page).to_have_title(re.compile(r"^Pansement · Relais Santé Annecy$"))


def app_window_picture(page, path):
    """How the installed app looks on a desktop: its window (title bar in the manifest's theme colour, its icon
    and name) around the page as it is now, and the icon on a dock with its unread badge. Headless Chromium
    draws no window of its own, so the frame is drawn here from the manifest the browser read."""
    import base64
    shot = base64.b64encode(page.screenshot()).decode()
    manifest = page.evaluate("""async () => {
        const m = await (await fetch("/manifest.webmanifest")).json();
        const data = async (src) => {
            const blob = await (await fetch(src)).blob();
            return await new Promise((ok) => {
                const reader = new FileReader();
                reader.onload = () => ok(reader.result);
                reader.readAsDataURL(blob);
            });
        };
        const icon = m.icons.find((i) => i.sizes === "192x192" && i.purpose === "any");
        const mask = m.icons.find((i) => i.sizes === "512x512" && i.purpose === "maskable");
        return { name: m.name, theme: m.theme_color, icon: await data(icon.src), mask: await data(mask.src),
                 unread: document.documentElement.dataset.unread };
    }""")
    html = f"""<style>
      body {{ margin: 0; background: linear-gradient(135deg, #3b5b7a, #9fb3c8); font: 14px system-ui, sans-serif;
             height: 100vh; display: grid; place-items: center; }}
      .win {{ width: 1140px; border-radius: 10px; overflow: hidden; box-shadow: 0 20px 60px rgba(0,0,0,.45); }}
      .bar {{ background: {manifest['theme']}; color: #fff; height: 34px; display: flex; align-items: center; gap: 8px;
             padding: 0 10px; }}
      .bar img {{ width: 18px; height: 18px; }} .bar .dots {{ margin-left: auto; letter-spacing: 10px; }}
      .win > img {{ display: block; width: 1140px; }}
      .dock {{ position: fixed; bottom: 14px; left: 50%; transform: translateX(-50%); background: rgba(255,255,255,.35);
              padding: 8px 14px; border-radius: 14px; display: flex; gap: 14px; }}
      .app {{ position: relative; }} .app img {{ width: 52px; height: 52px; border-radius: 50%; display: block; }}
      .badge {{ position: absolute; top: -4px; right: -6px; background: #d92d20; color: #fff; border-radius: 10px;
               font-weight: 700; padding: 0 6px; }}
    </style>
    <div class="win"><div class="bar"><img src="{manifest['icon']}" alt=""> ({manifest['unread']}) Boîte de
      réception · {manifest['name']}<span class="dots">— ▢ ✕</span></div><img src="data:image/png;base64,{shot}"></div>
    <div class="dock"><div class="app"><img src="{manifest['mask']}" alt="">
      <span class="badge">{manifest['unread']}</span></div></div>"""
    frame = page.context.new_page()
    frame.set_viewport_size({"width": 1280, "height": 900})
    frame.set_content(html)
    frame.screenshot(path=path)
    frame.close()
