"""``WS /ws`` on a real server: authenticated, members-only, cross-site sockets refused."""
from __future__ import annotations

import pytest
import simple_websocket

from kernel.testing import connect_socket, sign_in
from support.browser_socket import browser_socket
from support.factories import bearer, make_account
from support.live_server import LiveServer, next_event


@pytest.fixture
def live(app):
    with LiveServer(app) as url:
        yield url.replace("http://", "ws://")


def test_members_receive_messages_live_and_outsiders_nothing(app, client, live):
    alice, bob, carol = make_account("alice"), make_account("bob"), make_account("carol")
    sockets = {a.login: connect_socket(f"{live}/ws", bearer(a)) for a in (bob, carol)}
    try:
        for ws in sockets.values():
            assert next_event(ws, "hello")["account_id"] in (bob.id, carol.id)
        r = client.post("/api/v1/channels/test_chat/exchanges", headers=bearer(alice), json={
            "acting_as": alice.identity_id, "members": [bob.identity_id], "subject": "S", "body": "En direct"})
        assert r.status_code == 201
        event = next_event(sockets["bob"], "message.created")
        assert event["exchange_id"] == r.json["exchange"]["id"] and event["data"]["body"] == "En direct"
        assert sockets["carol"].receive(timeout=0.5) is None
    finally:
        for ws in sockets.values():
            ws.close()


def test_anonymous_and_cross_site_sockets_are_closed(app, live):
    bob = make_account("bob")
    ws = connect_socket(f"{live}/ws")
    with pytest.raises(simple_websocket.ConnectionClosed):
        ws.receive(timeout=5)
    # A page of another site riding on the user's cookie: refused (a token is never sent by a browser).
    cookie = sign_in(app, bob).session_cookie()
    ws = browser_socket(f"{live}/ws", cookie, origin="https://evil.example")
    with pytest.raises(simple_websocket.ConnectionClosed):
        ws.receive(timeout=5)
    same_site = live.replace("ws://", "http://")
    ws = browser_socket(f"{live}/ws", cookie, origin=same_site)
    try:
        assert next_event(ws, "hello")["account_id"] == bob.id
    finally:
        ws.close()


def test_no_compression_is_negotiated_and_events_come_in_order(app, client, live):
    # A browser offers permessage-deflate; accepted, each frame would be compressed once per socket, where a
    # plain frame is built once per event for all its sockets (kernel/ws_frames.py).
    import json
    import socket

    from wsproto import ConnectionType, WSConnection
    from wsproto.events import AcceptConnection, Request, TextMessage
    from wsproto.extensions import PerMessageDeflate

    alice, bob = make_account("alice"), make_account("bob")
    host, port = live.removeprefix("ws://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=5)
    ws = WSConnection(ConnectionType.CLIENT)
    sock.sendall(ws.send(Request(host=f"{host}:{port}", target="/ws", extensions=[PerMessageDeflate()],
                                 extra_headers=[(k.lower().encode(), v.encode()) for k, v in bearer(bob).items()])))
    seen: list = []

    def created() -> list:
        return [m["data"]["body"] for m in (json.loads(e.data) for e in seen if isinstance(e, TextMessage))
                if m["type"] == "message.created"]

    try:
        while not any(isinstance(e, TextMessage) for e in seen):  # the hello
            ws.receive_data(sock.recv(65536))
            seen.extend(ws.events())
        accepted = next(e for e in seen if isinstance(e, AcceptConnection))
        assert accepted.extensions == []
        r = client.post("/api/v1/channels/test_chat/exchanges", headers=bearer(alice), json={
            "acting_as": alice.identity_id, "members": [bob.identity_id], "subject": "S", "body": "0"})
        assert r.status_code == 201
        for n in range(1, 30):
            assert client.post(f"/api/v1/exchanges/{r.json['exchange']['id']}/messages", headers=bearer(alice),
                               json={"body": str(n)}).status_code == 201
        while len(created()) < 30:
            ws.receive_data(sock.recv(65536))
            seen.extend(ws.events())
        assert created() == [str(n) for n in range(30)]
    finally:
        sock.close()
