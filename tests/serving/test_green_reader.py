"""Under gevent a socket's reading is an I/O watcher, not a greenlet (kernel/serving/green_reader.py): what a page
sends up still reaches the socket's loop and is answered, a client's close lets the socket go, and /metrics
(loopback is allowed) counts it no more."""
from __future__ import annotations

import json
import re
import signal
import time
import urllib.request

from kernel.testing import connect_socket, next_event
from serving.conftest import Node, seed


def _sockets_open(url: str) -> float:
    with urllib.request.urlopen(url + "/metrics", timeout=10) as response:
        text = response.read().decode()
    found = re.search(r"^relais_sockets_open(?:\{[^}]*\})? ([0-9.e+]+)$", text, re.M)
    return float(found[1]) if found else 0.0


def test_messages_up_are_answered_and_a_client_close_lets_the_socket_go(node_env, nodes) -> None:
    world = seed(accounts=2)
    node = Node(node_env)
    nodes.append(node)
    node.wait_ready()
    ws = connect_socket(node.url.replace("http", "ws") + "/ws", world.tokens[1])
    try:
        next_event(ws, "hello")
        for sent in ("pas du JSON", json.dumps({"type": "personne.ne.le.prend"})):
            ws.send(sent)
            assert next_event(ws, "socket.refused")["type"] == "socket.refused"
        assert _sockets_open(node.url) == 1
    finally:
        ws.close()
    deadline = time.monotonic() + 10
    while _sockets_open(node.url) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _sockets_open(node.url) == 0
    assert node.stop(signal.SIGTERM) == 0, node.stderr
    assert "Traceback" not in node.stderr
