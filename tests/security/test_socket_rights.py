"""Live sockets follow the rights of their owner (issue #10, item 1), on one instance.

A logout, a session ended from « Sessions et accès », a revoked token, a new password, a deactivation close
the sockets that relied on them before anything else reaches them; a withdrawn delegation or a removed
member stops what is no longer the account's, even events already queued; a session that expires without
any event is caught by the periodic re-check.
"""
from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request

import pytest
import simple_websocket
from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, Request, TextMessage

from kernel.auth.account_state import deactivate, set_password
from kernel.db import utcnow
from kernel.live_socket import POLICY, Inbox, LiveSocket
from kernel.models import BrowserSession, Delegation, Membership
from kernel.services.acting_as import audience, visible_among
from kernel.services.events import Event
from kernel.services.rights import MEMBERSHIP, rights_changed, withdraw_delegation
from kernel.testing import LiveServer, make_account, make_structure, next_event, sign_in
from security import socket_client


def _start(author, members, body: str = "Bonjour") -> int:
    r = author.api.post("/api/v1/channels/test_chat/exchanges", json={
        "acting_as": author.identity_id, "members": [m for m in members], "subject": "S", "body": body})
    assert r.status_code == 201, r.json
    return r.json["exchange"]["id"]


def _post(author, exchange_id: int, body: str) -> None:
    r = author.api.post(f"/api/v1/exchanges/{exchange_id}/messages", json={"body": body})
    assert r.status_code == 201, r.json


def _sockets(url: str, user) -> dict[str, simple_websocket.Client]:
    """The user's socket as a program (token) and as a page of the site (cookie), each past its hello."""
    ws_url = url.replace("http://", "ws://") + "/ws"
    opened = {"token": socket_client.connect(ws_url, user.headers),
              "cookie": socket_client.browser(ws_url, user.session_cookie(), origin=url)}
    for ws in opened.values():
        assert next_event(ws, "hello")["account_id"] == user.account.id
    return opened


def _closed_before_hearing(ws, body: str) -> int | None:
    """The close code if the socket is closed before it receives a message with ``body`` (fails if it does)."""
    deadline = time.monotonic() + 5
    try:
        while time.monotonic() < deadline:
            raw = ws.receive(timeout=0.5)
            if raw is not None:
                event = json.loads(raw)
                assert event.get("data", {}).get("body") != body, "a socket whose right ended received it"
    except simple_websocket.ConnectionClosed as closed:
        return closed.reason
    raise AssertionError("the socket stayed open")


def _browser_post(url: str, user, path: str) -> int:
    """A form post of the user's browser to the live server (its cookie and the CSRF token its pages send)."""
    request = urllib.request.Request(url + path, method="POST", data=b"", headers={
        "Cookie": f"relais_session={user.session_cookie()}",
        "X-CSRFToken": user.browser.environ_base["HTTP_X_CSRFTOKEN"]})

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            return None
    try:
        return urllib.request.build_opener(NoRedirect).open(request, timeout=10).status
    except urllib.error.HTTPError as answer:
        return answer.code


def _hears(ws, body: str) -> None:
    event = next_event(ws, "message.created")
    assert event["data"]["body"] == body


@pytest.fixture
def people(app):
    alice, bob = make_account("alice"), make_account("bob", "Bob", "Durand")
    return sign_in(app, alice), sign_in(app, bob)


@pytest.fixture
def live(app):
    with LiveServer(app) as url:
        yield url


def _close(sockets) -> None:
    for ws in sockets.values():
        if ws.connected:
            ws.close()


@pytest.mark.parametrize("how", ["logout", "ended elsewhere", "new password"])
def test_ending_a_session_closes_its_sockets_at_once_and_spares_the_token(app, people, live, how):
    alice, bob = people
    exchange_id = _start(alice, [bob.identity_id])
    sockets = _sockets(live, bob)
    try:
        _post(alice, exchange_id, "Avant")
        for ws in sockets.values():
            _hears(ws, "Avant")
        if how == "logout":
            assert _browser_post(live, bob, "/logout") == 302
        elif how == "ended elsewhere":  # from « Sessions et accès », with the token
            session_id = next(s["id"] for s in bob.api.get("/api/v1/me/sessions").json["sessions"])
            assert bob.api.delete(f"/api/v1/me/sessions/{session_id}").status_code == 204
        else:
            set_password(bob.account, "un autre mot de passe très long")
        _post(alice, exchange_id, "Après")
        assert _closed_before_hearing(sockets["cookie"], "Après") == POLICY
        _hears(sockets["token"], "Après")  # a program's token is another way in, still valid
    finally:
        _close(sockets)


def test_a_revoked_token_closes_its_sockets_and_spares_the_session(app, people, live):
    alice, bob = people
    exchange_id = _start(alice, [bob.identity_id])
    sockets = _sockets(live, bob)
    try:
        token_id = next(t["id"] for t in bob.browser.get("/api/v1/me/tokens").json["tokens"])
        assert bob.browser.delete(f"/api/v1/me/tokens/{token_id}").status_code == 204
        _post(alice, exchange_id, "Après")
        assert _closed_before_hearing(sockets["token"], "Après") == POLICY
        _hears(sockets["cookie"], "Après")
    finally:
        _close(sockets)


def test_a_deactivated_account_loses_every_socket(app, people, live):
    alice, bob = people
    exchange_id = _start(alice, [bob.identity_id])
    sockets = _sockets(live, bob)
    try:
        deactivate(bob.account)
        _post(alice, exchange_id, "Après")
        for ws in sockets.values():
            assert _closed_before_hearing(ws, "Après") == POLICY
    finally:
        _close(sockets)


def test_a_withdrawn_delegation_stops_the_structure_s_exchanges_at_once(app, people, live):
    alice, bob = people
    structure = make_structure("Cabinet des Tilleuls")
    delegation = Delegation.create(delegate=bob.account, principal=structure)
    exchange_id = _start(alice, [structure.id])
    own_id = _start(alice, [bob.identity_id])
    sockets = _sockets(live, bob)
    try:
        _post(alice, exchange_id, "Avant")
        _hears(sockets["token"], "Avant")
        assert withdraw_delegation(delegation.id) and not withdraw_delegation(delegation.id)
        next_event(sockets["token"], "resync")  # the page reloads its lists without the structure's
        _post(alice, exchange_id, "Après")
        _post(alice, own_id, "Pour Bob lui-même")
        event = next_event(sockets["token"], "message.created")  # the socket lives on, for what is its own
        assert (event["exchange_id"], event["data"]["body"]) == (own_id, "Pour Bob lui-même")
    finally:
        _close(sockets)


def test_a_session_expired_without_any_event_is_caught_by_the_periodic_check(make_app):
    app = make_app("sqlite", ws_recheck_seconds=1)
    with app.app_context():
        alice, bob = sign_in(app, make_account("alice")), sign_in(app, make_account("bob", "Bob", "Durand"))
        exchange_id = _start(alice, [bob.identity_id])
        with LiveServer(app) as url:
            sockets = _sockets(url, bob)
            try:
                # Written as another process would (no event through this instance's bus).
                BrowserSession.update(ended_at=utcnow()).where(BrowserSession.account == bob.account.id).execute()
                with pytest.raises(simple_websocket.ConnectionClosed):
                    while True:
                        sockets["cookie"].receive(timeout=4)
                _post(alice, exchange_id, "Après")
                _hears(sockets["token"], "Après")
            finally:
                _close(sockets)


# --- what was queued before the change, and what a transaction that read the audience before it publishes --

class FakeSocket:
    """What LiveSocket needs of a simple-websocket server: a handshaken protocol state and a socket whose written
    frames are read back as a client would (``sent``), until told to stop."""

    def __init__(self) -> None:
        self.connected = True
        self.input_buffer: list = []
        self.event = threading.Event()
        self.sent: list[dict] = []
        self.closed: tuple[int, str] | None = None
        self.ws = WSConnection(ConnectionType.SERVER)
        self.client = WSConnection(ConnectionType.CLIENT)
        self.ws.receive_data(self.client.send(Request(host="relais.test", target="/ws")))
        accepted = self.ws.send(AcceptConnection()) if any(isinstance(e, Request) for e in self.ws.events()) else b""
        self.sock = self  # LiveSocket writes through ``ws.sock`` (kernel/ws_frames.py)
        self.sendall(accepted)

    def sendall(self, data: bytes) -> None:
        self.client.receive_data(data)
        self.sent.extend(json.loads(e.data) for e in self.client.events() if isinstance(e, TextMessage))

    def close(self, reason: int, message: str) -> None:
        self.closed, self.connected = (reason, message), False


def _run(app, ws: FakeSocket, sub) -> threading.Thread:
    def loop() -> None:
        with app.test_request_context():
            LiveSocket(ws, Inbox.install(ws), sub, app.extensions["relais"]).run()
    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    return thread


def _wait_for(predicate, seconds: float = 5) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "not within the time"
        time.sleep(0.02)


def test_events_queued_or_stale_after_a_removal_are_not_delivered(app, people):
    alice, bob = people
    shared, own = _start(alice, [bob.identity_id]), _start(alice, [bob.identity_id])
    bus = app.extensions["relais"].events
    sub = bus.subscribe(bob.account.id, ("token", _token_id(bob)))
    ws = FakeSocket()
    # Queued while the socket is busy elsewhere: both were Bob's when they were published.
    sub.offer(Event("message.created", shared, (bob.account.id,), {"body": "file d'attente"}))
    sub.offer(Event("message.created", own, (bob.account.id,), {"body": "à lui"}))
    Membership.delete().where((Membership.exchange == shared)
                              & (Membership.identity == bob.identity_id)).execute()
    rights_changed([bob.account.id], MEMBERSHIP)
    thread = _run(app, ws, sub)
    try:
        _wait_for(lambda: any(e["type"] == "resync" for e in ws.sent))
        # A transaction that read the audience before the removal publishes after it: not delivered either.
        sub.offer(Event("message.created", shared, (bob.account.id,), {"body": "en retard"}))
        sub.offer(Event("message.created", own, (bob.account.id,), {"body": "ensuite"}))
        _wait_for(lambda: any(e.get("data", {}).get("body") == "ensuite" for e in ws.sent))
        bodies = [e["data"]["body"] for e in ws.sent if e["type"] == "message.created"]
        assert bodies == ["à lui", "ensuite"]
    finally:
        ws.connected = False
        thread.join(5)
        bus.unsubscribe(sub)


def _token_id(user) -> int:
    return next(t["id"] for t in user.api.get("/api/v1/me/tokens").json["tokens"])


def test_a_socket_flooded_by_its_client_is_closed_without_keeping_what_it_sent(app, people):
    _, bob = people
    bus = app.extensions["relais"].events
    sub = bus.subscribe(bob.account.id, ("token", _token_id(bob)))
    ws = FakeSocket()
    inbox = Inbox.install(ws)
    for n in range(10_000):  # what simple-websocket's reading thread does with each message
        ws.input_buffer.append(f"message {n}")
    assert len(inbox) == 32 and inbox.flooded
    with app.test_request_context():
        LiveSocket(ws, inbox, sub, app.extensions["relais"]).run()
    assert ws.closed == (POLICY, "Trop de messages reçus de ce client.")
    bus.unsubscribe(sub)


# --- delegates follow members' rules ----------------------------------------------------------------------

def test_a_deactivated_delegate_is_no_longer_in_the_audience(app, people):
    alice, bob = people
    structure = make_structure("Cabinet des Tilleuls")
    Delegation.create(delegate=bob.account, principal=structure)
    exchange_id = _start(alice, [structure.id])
    assert bob.account.id in audience(exchange_id) and visible_among(bob.account.id, [exchange_id]) == {exchange_id}
    type(bob.account).update(active=False).where(type(bob.account).id == bob.account.id).execute()
    assert bob.account.id not in audience(exchange_id)
    assert visible_among(bob.account.id, [exchange_id]) == set()
