"""Under gevent a socket's frames are written whole (kernel/ws_frames.py): a client that stops reading fills its
socket's buffers, and gevent's ``send`` then writes part of a frame; simple-websocket dropped the rest, and the
client read a broken stream. Here every event still arrives whole and in order once the slow client reads again,
and a client that reads meanwhile gets every event at once: the slow one makes no one wait."""
from __future__ import annotations

import json
import socket
import time

from wsproto import ConnectionType, WSConnection
from wsproto.events import Request, TextMessage

from kernel.testing import connect_socket, next_event
from serving.conftest import Node, post, seed

MESSAGES = 70
BODY = 95_000  # characters: 70 of them are more than the 4 MB a loopback socket's send buffer grows to


def _slow_client(url: str, headers: dict[str, str]) -> tuple[socket.socket, WSConnection]:
    """A client with a small receive buffer (its size fixed: no auto-tuning), past its hello."""
    host, port = url.removeprefix("http://").split(":")
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(10)
    sock.connect((host, int(port)))
    ws = WSConnection(ConnectionType.CLIENT)
    sock.sendall(ws.send(Request(host=f"{host}:{port}", target="/ws",
                                 extra_headers=[(k.lower().encode(), v.encode()) for k, v in headers.items()])))
    while not any(m["type"] == "hello" for m in _read(sock, ws, 1)):
        pass
    return sock, ws


def _read(sock: socket.socket, ws: WSConnection, at_least: int) -> list[dict]:
    messages: list[dict] = []
    text = ""  # wsproto hands a large message over in parts, as its bytes arrive
    while len(messages) < at_least:
        data = sock.recv(1 << 20)
        assert data, "the server closed the socket"
        ws.receive_data(data)  # a cut frame makes the next one's bytes a broken header: wsproto raises
        for event in ws.events():
            if isinstance(event, TextMessage):
                text += event.data
                if event.message_finished:
                    messages.append(json.loads(text))
                    text = ""
    return messages


def test_a_client_that_stops_reading_gets_every_frame_whole_and_delays_no_one(node_env, nodes) -> None:
    world = seed(accounts=3)
    node = Node(node_env)
    nodes.append(node)
    node.wait_ready()
    slow, protocol = _slow_client(node.url, world.tokens[1])
    reading = connect_socket(node.url.replace("http", "ws") + "/ws", world.tokens[2])
    try:
        next_event(reading, "hello")
        bodies = [f"{n:03d} " + "x" * BODY for n in range(MESSAGES)]
        for body in bodies:
            status, answer = post(f"{node.url}/api/v1/exchanges/{world.exchange_id}/messages", {"body": body},
                                  world.tokens[0], timeout=30)
            assert status == 201, answer
            # The reading client has it at once, however full the slow one's buffers are.
            assert next_event(reading, "message.created")["data"]["body"][:4] == body[:4]
        time.sleep(0.5)
        got = [m for m in _read(slow, protocol, MESSAGES) if m["type"] == "message.created"]
        assert [m["data"]["body"] for m in got] == bodies
    finally:
        slow.close()
        reading.close()
    assert "Traceback" not in node.stderr
