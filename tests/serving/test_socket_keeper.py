"""The process's keeper of idle sockets (kernel/live_socket.py): one ping source for every socket, which lets go
of a client that stopped answering, and periodic credential re-checks made for many sockets at once."""
from __future__ import annotations

import json
import socket
import time

import pytest
import simple_websocket
from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, CloseConnection, Ping, Request, TextMessage

from kernel import live_socket
from kernel.db import utcnow
from kernel.models import ApiToken
from kernel.testing import LiveServer, connect_socket, make_account, next_event, sign_in


@pytest.fixture
def quick_keeper(monkeypatch):
    monkeypatch.setattr(live_socket, "PING_EVERY", 0.4)
    monkeypatch.setattr(live_socket, "KEEPER_TICK", 0.1)


def _silent_client(url: str, token: str) -> tuple[socket.socket, WSConnection]:
    """A client that reads but never answers a ping (its program hung, its network half gone)."""
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=5)
    ws = WSConnection(ConnectionType.CLIENT)
    sock.sendall(ws.send(Request(host=f"{host}:{port}", target="/ws",
                                 extra_headers=[(b"authorization", f"Bearer {token}".encode())])))
    return sock, ws


def _events_until_closed(sock: socket.socket, ws: WSConnection, seconds: float) -> tuple[list, int | None]:
    seen, deadline = [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            data = sock.recv(65536)
        except socket.timeout:
            continue
        if not data:
            break
        ws.receive_data(data)
        for event in ws.events():
            seen.append(event)
            if isinstance(event, CloseConnection):
                return seen, event.code
    return seen, None


def test_a_client_answering_no_ping_is_let_go_and_one_that_answers_stays(make_app, quick_keeper):
    app = make_app("sqlite")
    with app.app_context():
        alice, bob = sign_in(app, make_account("alice")), sign_in(app, make_account("bob", "Bob", "Durand"))
        with LiveServer(app) as url:
            answering = connect_socket(url.replace("http://", "ws://") + "/ws", alice.headers)
            next_event(answering, "hello")
            sock, ws = _silent_client(url, bob.token)
            try:
                seen, code = _events_until_closed(sock, ws, 5)
                assert any(isinstance(e, AcceptConnection) for e in seen)
                assert any(isinstance(e, TextMessage) and json.loads(e.data)["type"] == "hello" for e in seen)
                assert sum(isinstance(e, Ping) for e in seen) >= 1  # pinged, never answered
                assert code == live_socket.POLICY
                # The one that answers (simple-websocket answers pings by itself) is still there.
                assert answering.connected
                assert answering.receive(timeout=0.5) is None
                assert answering.connected
            finally:
                sock.close()
                answering.close()


def test_credentials_revoked_without_an_event_close_their_sockets_checked_together(make_app, monkeypatch):
    asked: list[set[int]] = []
    live_token_ids = live_socket.live_token_ids

    def counting(token_ids):
        asked.append(set(token_ids))
        return live_token_ids(token_ids)

    monkeypatch.setattr(live_socket, "live_token_ids", counting)
    monkeypatch.setattr(live_socket, "KEEPER_TICK", 0.5)  # six first checks within 0.5 s: two ticks at most
    app = make_app("sqlite", ws_recheck_seconds=1)
    with app.app_context():
        users = [sign_in(app, make_account(f"u{n}", "Charge", str(n))) for n in range(6)]
        with LiveServer(app) as url:
            sockets = [connect_socket(url.replace("http://", "ws://") + "/ws", u.headers) for u in users]
            try:
                for ws in sockets:
                    next_event(ws, "hello")
                # Written as another process would (no event through this instance's bus).
                ApiToken.update(revoked_at=utcnow()).where(
                    ApiToken.account.in_([users[0].account.id, users[1].account.id])).execute()
                for ws in sockets[:2]:
                    with pytest.raises(simple_websocket.ConnectionClosed):
                        while True:
                            ws.receive(timeout=4)
                    assert ws.close_reason == live_socket.POLICY
                assert all(ws.connected for ws in sockets[2:])
                assert sockets[2].receive(timeout=0.3) is None and all(ws.connected for ws in sockets[2:])
                # Several sockets' credentials in one query, not one query each.
                assert max(len(ids) for ids in asked) >= 2
            finally:
                for ws in sockets:
                    if ws.connected:
                        ws.close()
