"""The visio in a real Chromium with fake camera and microphone: a member starts a call from the thread, the
other's page rings, he joins, and each page sees the other's video connected (RTCPeerConnection "connected",
frames decoded from the remote video track); a non-member's socket hears none of it. Screenshots of the
ringing banner and of the call go to test-artifacts/."""
from __future__ import annotations

import json
import os
import re
import threading
import time
from typing import Any, Iterator

import pytest
from playwright.sync_api import expect

from kernel.testing import LiveSocket
from plugins.conversation import hooks as conversation
from plugins.visio import hooks as visio
from support.factories import bearer, make_account

pytestmark = pytest.mark.browser
PLUGINS = [("conversation", conversation), ("visio", visio)]
# Fake devices (a test pattern and a beep) granted without asking; loopback allowed for ICE, and host
# candidates given as addresses rather than mDNS names (which nothing resolves in a test machine).
STANDARD_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
MEDIA_ARGS = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
              "--allow-loopback-in-peer-connection", "--disable-features=WebRtcHideLocalIpsWithMdns"]

CONNECTED_AND_DECODING = """async () => {
  const mesh = window.visioMesh;
  if (!mesh || mesh.peers.size === 0) return null;
  const out = [];
  for (const pc of mesh.peers.values()) {
    let frames = 0;
    (await pc.getStats()).forEach((s) => { if (s.type === "inbound-rtp" && s.kind === "video") frames += s.framesDecoded || 0; });
    const live = pc.getReceivers().some((r) => r.track && r.track.kind === "video" && r.track.readyState === "live");
    out.push({state: pc.connectionState, frames, live});
  }
  return out;
}"""


@pytest.fixture(scope="module")
def media_browser(chromium) -> Iterator[Any]:
    """A second Chromium launched by the session's Playwright (one driver per thread), with fake media."""
    path = os.environ.get("RELAIS_TEST_CHROMIUM", "/usr/bin/chromium")
    browser = chromium.browser_type.launch(executable_path=path, args=STANDARD_ARGS + MEDIA_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def media_page(media_browser) -> Iterator[Any]:
    """``media_page()``: a page in a fresh context (its own cookies) with camera and microphone allowed; a
    JavaScript error or a Content-Security-Policy violation on any page fails the test."""
    contexts, errors = [], []

    def open_page(width: int = 1280, height: int = 760, **options: Any) -> Any:
        context = media_browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR",
                                            timezone_id="Europe/Paris", permissions=["camera", "microphone"],
                                            **options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
        page.on("console", lambda msg: errors.append(f"{page.url}: {msg.text}")
                if "Content Security Policy" in msg.text else None)
        return page

    yield open_page
    # Leave the calls and let the answers come before the server stops: a request still running on the
    # server's threads when the test's app closes its SQLite database would crash the process (a page's
    # own "leave on close" would be such a request).
    for context in contexts:
        for page in context.pages:
            try:
                page.evaluate("async () => { if (window.visioLeave) await window.visioLeave(); }")
            except Exception:  # a page already gone or closed
                pass
    if contexts and contexts[0].pages:
        contexts[0].pages[0].wait_for_timeout(500)  # the others' pages ask the server again after the ends
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors: {errors}"


@pytest.fixture
def visio_site(make_site):
    site = make_site(plugins=PLUGINS)
    with site.app.app_context():
        alice = make_account("alice", "Alice", "Martin", profession="Médecin généraliste")
        bob = make_account("bob", "Bob", "Durand", profession="Cardiologue")
        carol = make_account("carol", "Carole", "Roux", profession="Infirmière")
        site.headers = {"alice": bearer(alice), "carol": bearer(carol)}
    r = site.app.test_client().post("/api/v1/channels/conversation/exchanges", headers=site.headers["alice"], json={
        "acting_as": alice.identity_id, "members": [bob.identity_id], "subject": "Douleur thoracique, M. Petit",
        "body": "Peux-tu regarder l'ECG avec moi ?"})
    assert r.status_code == 201, r.json
    site.exchange_id = r.json["exchange"]["id"]
    return site


def _wait_connected(page: Any, peers: int = 1, timeout_s: float = 25.0) -> list[dict]:
    """Poll the page's peer connections until there are ``peers`` of them, each connected with remote video
    frames decoded."""
    deadline = time.monotonic() + timeout_s
    stats = None
    while time.monotonic() < deadline:
        stats = page.evaluate(CONNECTED_AND_DECODING)
        if stats and len(stats) == peers and all(s["state"] == "connected" and s["frames"] > 0 and s["live"]
                                                 for s in stats):
            return stats
        page.wait_for_timeout(300)
    raise AssertionError(f"the call never connected with video on {page.url}: {stats}")


def test_two_members_see_each_other_and_an_outsider_hears_nothing(visio_site, media_page, sign_in, artifacts):
    site = visio_site
    carol = Collector(LiveSocket(site.url, site.headers["carol"]))
    alice, bob = media_page(), media_page()
    sign_in(bob, site, "bob")
    sign_in(alice, site, "alice", f"/echanges/{site.exchange_id}")

    # Alice starts the visio from the thread.
    alice.get_by_role("button", name="Démarrer une visio").click()
    expect(alice).to_have_url(re.compile(rf"/visio/echanges/{site.exchange_id}$"))
    expect(alice.locator("#visio-status")).to_contain_text("Vous êtes seul dans la visio")
    expect(alice.locator(".visio-tile-me")).to_contain_text("Alice MARTIN (vous)")

    # Bob's inbox rings.
    ring = bob.locator(".visio-ring")
    expect(ring).to_contain_text("Alice MARTIN vous invite à une visio")
    expect(ring).to_contain_text("Douleur thoracique, M. Petit")
    bob.screenshot(path=str(artifacts / "visio-ringing.png"))
    ring.get_by_role("link", name="Rejoindre").click()
    expect(bob).to_have_url(re.compile(rf"/visio/echanges/{site.exchange_id}$"))

    # Each page sees the other's video: connected, frames decoded.
    for page in (alice, bob):
        stats = _wait_connected(page)
        assert len(stats) == 1
    expect(alice.locator("#visio-status")).to_have_text("2 participants dans la visio.")
    expect(bob.locator(".visio-tile:not(.visio-tile-me) .visio-name")).to_have_text("Alice MARTIN")
    alice.wait_for_timeout(800)  # a few frames more for the picture
    alice.screenshot(path=str(artifacts / "visio-call.png"))

    # The camera toggle: the button says what it will do, and the tile shows the initials instead.
    alice.get_by_role("button", name="Couper la caméra").click()
    expect(alice.get_by_role("button", name="Activer la caméra")).to_have_attribute("aria-pressed", "false")
    expect(alice.locator(".visio-tile-me")).to_have_attribute("data-video", "off")
    alice.get_by_role("button", name="Activer la caméra").click()
    alice.get_by_role("button", name="Couper le micro").click()
    expect(alice.get_by_role("button", name="Activer le micro")).to_be_visible()

    # Bob leaves: alice is alone again; alice leaves: the thread keeps the call's line.
    bob.get_by_role("button", name="Quitter").click()
    expect(bob).to_have_url(re.compile(rf"/echanges/{site.exchange_id}$"))
    expect(alice.locator(".visio-tile")).to_have_count(1)
    alice.get_by_role("button", name="Quitter").click()
    expect(alice).to_have_url(re.compile(rf"/echanges/{site.exchange_id}$"))
    expect(alice.locator("#messages")).to_contain_text("Visio terminée : démarrée par Alice MARTIN")

    frames = carol.close()
    assert not [f for f in frames if f["type"].startswith("visio.")], frames


@pytest.mark.parametrize("error, said", [
    ("NotAllowedError", "L'accès à la caméra et au micro a été refusé. Autorisez-les dans la barre d'adresse"),
    ("NotFoundError", "Aucune caméra ni aucun micro n'a été trouvé sur cet appareil : branchez-en un"),
    ("NotReadableError", "La caméra ou le micro est déjà utilisé par une autre application"),
])
def test_a_refused_or_missing_camera_and_microphone_say_what_to_do_in_french(visio_site, media_browser, sign_in,
                                                                             error, said):
    site = visio_site
    context = media_browser.new_context(locale="fr-FR", permissions=[])
    page = context.new_page()
    # Chromium's fake devices are always there and granted: make this page's requests fail as the browser would.
    page.add_init_script("navigator.mediaDevices.getUserMedia = async () => { throw new DOMException('x', '%s'); };"
                         % error)
    try:
        sign_in(page, site, "alice", f"/visio/echanges/{site.exchange_id}")
        notice = page.locator("#visio-notice")
        expect(notice).to_contain_text(said)
        expect(page.locator("#visio-status")).to_contain_text("Vous êtes seul dans la visio")
        expect(page.get_by_role("button", name="Activer la caméra")).to_be_disabled()
        page.evaluate("async () => { await window.visioLeave(); }")
    finally:
        context.close()


class Collector:
    """Every frame a socket receives, read in a thread for the whole test (the non-member's)."""

    def __init__(self, socket: LiveSocket) -> None:
        self.socket, self.frames, self.stop = socket, [], threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                raw = self.socket.ws.receive(timeout=0.2)
            except Exception:
                return
            if raw is not None:
                self.frames.append(json.loads(raw))

    def close(self) -> list[dict]:
        self.stop.set()
        self.thread.join(2)
        self.socket.close()
        return self.frames


def test_the_thread_shows_the_ongoing_call_and_joins_it(visio_site, media_page, sign_in, artifacts):
    site = visio_site
    with site.app.app_context():
        alice_headers = site.headers["alice"]
    alice, bob = media_page(), media_page()
    sign_in(alice, site, "alice", f"/visio/echanges/{site.exchange_id}")
    expect(alice.locator("#visio-status")).to_contain_text("Vous êtes seul dans la visio")
    sign_in(bob, site, "bob", f"/echanges/{site.exchange_id}")
    expect(bob.locator("#messages")).to_contain_text("Alice MARTIN a démarré une visio.")
    panel = bob.get_by_text("Visio en cours", exact=True)
    expect(panel).to_be_visible()
    expect(bob.locator(".visio-ring")).to_contain_text("Alice MARTIN vous invite à une visio")
    bob.screenshot(path=str(artifacts / "visio-thread.png"))
    bob.get_by_role("button", name="Rejoindre la visio").click()
    expect(bob).to_have_url(re.compile(rf"/visio/echanges/{site.exchange_id}$"))
    _wait_connected(bob)
    assert alice_headers


def test_with_jitsi_configured_the_page_links_to_the_calls_room(make_site, media_page, sign_in, artifacts):
    from plugins.jitsi import hooks as jitsi

    site = make_site(plugins=PLUGINS + [("jitsi", jitsi)],
                     plugin_settings={"jitsi": {"base_url": "https://visio.region.example"}})
    with site.app.app_context():
        alice, bob = make_account("alice", "Alice", "Martin"), make_account("bob", "Bob", "Durand")
        headers = bearer(alice)
    exchange_id = site.app.test_client().post("/api/v1/channels/conversation/exchanges", headers=headers, json={
        "acting_as": alice.identity_id, "members": [bob.identity_id], "subject": "Plaie", "body": "."}
    ).json["exchange"]["id"]
    page = media_page()
    sign_in(page, site, "alice", f"/visio/echanges/{exchange_id}")
    room = page.locator("#visio-room")
    expect(room).to_contain_text("Cette visio se tient sur Jitsi Meet")
    link = room.get_by_role("link", name="Ouvrir la visio")
    expect(link).to_have_attribute("href", re.compile(r"^https://visio\.region\.example/relais-[0-9a-f]{32}#"))
    expect(page.get_by_role("button", name="Couper le micro")).to_be_hidden()
    expect(page.get_by_role("button", name="Quitter la visio")).to_be_visible()
    page.screenshot(path=str(artifacts / "visio-jitsi.png"))


def test_sharing_the_screen_replaces_the_camera_for_the_others(visio_site, media_page, sign_in):
    site = visio_site
    alice, bob = media_page(), media_page()
    sign_in(alice, site, "alice", f"/visio/echanges/{site.exchange_id}")
    expect(alice.locator("#visio-status")).to_contain_text("Vous êtes seul dans la visio")
    sign_in(bob, site, "bob", f"/visio/echanges/{site.exchange_id}")
    _wait_connected(alice)
    _wait_connected(bob)
    before = alice.evaluate("""() => [...window.visioMesh.peers.values()][0].getSenders()
        .find((s) => s.track && s.track.kind === "video").track.label""")
    alice.get_by_role("button", name="Partager l'écran").click()
    expect(alice.get_by_role("button", name="Arrêter le partage")).to_have_attribute("aria-pressed", "true")
    during = alice.evaluate("""() => [...window.visioMesh.peers.values()][0].getSenders()
        .find((s) => s.track && s.track.kind === "video").track.label""")
    assert during != before
    alice.get_by_role("button", name="Arrêter le partage").click()
    expect(alice.get_by_role("button", name="Partager l'écran")).to_have_attribute("aria-pressed", "false")
    after = alice.evaluate("""() => [...window.visioMesh.peers.values()][0].getSenders()
        .find((s) => s.track && s.track.kind === "video").track.label""")
    assert after == before
    _wait_connected(bob)  # bob's picture still decodes (the screen, then the camera again)


def test_three_members_form_a_full_mesh(make_site, media_page, sign_in):
    site = make_site(plugins=PLUGINS)
    with site.app.app_context():
        people = [make_account(login, first, "Test") for login, first in
                  (("alice", "Alice"), ("bob", "Bob"), ("chloe", "Chloé"))]
        headers = bearer(people[0])
    exchange_id = site.app.test_client().post("/api/v1/channels/conversation/exchanges", headers=headers, json={
        "acting_as": people[0].identity_id, "members": [p.identity_id for p in people[1:]], "subject": "RCP",
        "body": "."}).json["exchange"]["id"]
    pages = []
    for person in people:
        page = media_page(960, 600)
        sign_in(page, site, person.login, f"/visio/echanges/{exchange_id}")
        expect(page.locator(".visio-tile-me")).to_be_visible()
        pages.append(page)
    for page in pages:
        _wait_connected(page, peers=2)
        expect(page.locator("#visio-status")).to_have_text("3 participants dans la visio.")


def test_the_banner_rings_a_minute_then_stays_quiet_and_refuser_stops_it(visio_site, media_page, sign_in):
    from kernel.models import Account
    from kernel.testing import sign_in as kit_sign_in
    from plugins.visio.models import VisioParticipant

    site = visio_site
    bob = media_page()
    bob.clock.install()  # the page's timers, run forward below
    sign_in(bob, site, "bob")
    with site.app.app_context():
        alice = kit_sign_in(site.app, Account.get(Account.login == "alice"))
        joined = alice.browser.post(f"/visio/api/echanges/{site.exchange_id}/rejoindre", json={}).json
    ring = bob.locator(".visio-ring")
    expect(ring).to_contain_text("Alice MARTIN vous invite à une visio")
    expect(ring).to_have_attribute("role", "alert")
    bob.clock.run_for(61_000)
    expect(ring).to_contain_text("Visio en cours")
    expect(ring).to_have_class(re.compile(r"visio-ring-quiet"))
    expect(ring).to_have_attribute("role", "status")
    with bob.expect_response(re.compile(r"/refuser$")):
        ring.get_by_role("button", name="Refuser").click()
    expect(bob.locator("#visio-ringing")).to_be_hidden()
    with site.app.app_context():
        assert VisioParticipant.select().where(VisioParticipant.state == "declined").count() == 1
        alice.browser.post(f"/visio/api/appels/{joined['call']['id']}/quitter", json={"peer": joined["peer"]})


def test_a_call_started_before_the_page_rings_when_the_banner_script_comes_after_the_socket(visio_site, media_page,
                                                                                             sign_in):
    # The banner shares the page's socket (pageLive): when its script subscribes once the socket is already
    # connected, it must still ask the server which calls ring, not wait for a next connection.
    from kernel.models import Account
    from kernel.testing import sign_in as kit_sign_in

    site = visio_site
    with site.app.app_context():
        alice = kit_sign_in(site.app, Account.get(Account.login == "alice"))
        joined = alice.browser.post(f"/visio/api/echanges/{site.exchange_id}/rejoindre", json={}).json
    bob = media_page(service_workers="block")  # the app's worker would fetch the script past page.route
    held: list[Any] = []
    bob.route(re.compile(r"/js/ringing\.js$"), lambda route: held.append(route))  # held until the socket is up
    sign_in(bob, site, "bob")
    expect(bob.locator("body")).to_have_attribute("data-live", "connected")
    for _ in range(50):
        if held:
            break
        bob.wait_for_timeout(100)
    assert held, "the page never asked for the banner's script"
    held[0].continue_()

    expect(bob.locator(".visio-ring")).to_contain_text("Alice MARTIN vous invite à une visio")
    with site.app.app_context():
        alice.browser.post(f"/visio/api/appels/{joined['call']['id']}/quitter", json={"peer": joined["peer"]})
