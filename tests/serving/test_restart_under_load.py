"""A rolling restart under load: a node holding a few hundred sockets is stopped (SIGTERM) while a sender posts;
its sockets are told to go elsewhere (1012), reconnect to the other node and catch up as the page does (live.js:
subscribe, then read what came after the last message seen). Every message posted, before, during and after the
stop, is shown by every client exactly once; the node exits within graceful_timeout.

Two nodes on one PostgreSQL database with its event bus, as several nodes are deployed (docs/deployment.md): the
sender posts to the first node, then to the second once the first refuses; what a client misses while it moves
is what the catch-up must bring back.

Exactly once is the page's doing, not the wire's (the contract written in live.js and kernel/live_socket.py): a
node delivers each event once to each of its sockets, but a page that moves may get one event from both nodes. A
message posted on the first node reaches its sockets at once, and the second node's sockets once the second node
hears the NOTIFY: a page that got it on its old socket, then subscribed on the second node before the NOTIFY
arrived there, gets it again on its new socket. A catch-up answer may also hold what the new socket delivers.
So the client here does what live.js and thread.js do: live.js hands a ``message.created`` to the page once
whatever socket brought it, and the thread shows a message id once whether it came live or from a catch-up.
The test checks the wire's part too: never twice on one socket, never twice for a page that did not move, and a
message that came on both sockets of a page that moved was posted on the first node.
"""
from __future__ import annotations

import json
import random
import signal
import threading
import time
import uuid
from collections import Counter
from typing import Any

import simple_websocket

from kernel.testing import connect_socket
from serving.conftest import GRACEFUL_TIMEOUT, Node, World, get, post, seed

SOCKETS = 200
ACCOUNTS = 10
SEND_EVERY = 0.05  # 20 messages a second
RESTART_SPREAD = 0.5  # live.js spreads reconnections over 0.3 to 1.5 s; shorter here, the test is about correctness


class Client:
    """One page: live.js's socket, which reconnects on 1012 to the next node, hands each message to the page once
    (``handed``), and catches up on every hello; and thread.js's list of messages (``shown``)."""

    def __init__(self, world: World, account: int, urls: list[str], node: int = 0) -> None:
        self.headers = world.tokens[account]
        self.exchange_id = world.exchange_id
        self.urls = urls
        self.node = node
        self.connection = 0  # sockets opened so far (1: the first)
        self.received: list[tuple[int, int]] = []  # (connection, message id): every message.created on the wire
        self.handed: list[int] = []  # the message ids live.js handed to the page's handlers, in order
        self.shown: dict[int, str] = {}  # thread.js's list: message id -> how it came first ("live", "catch-up")
        self.closes: list[Any] = []
        self.errors: list[str] = []
        self.connected = threading.Event()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    @property
    def seen(self) -> set[int]:
        return set(self.shown)

    def run(self) -> None:
        while not self.done.is_set():
            url = self.urls[self.node]
            try:
                ws = connect_socket(url.replace("http", "ws", 1) + "/ws", self.headers)
            except Exception as exc:  # the node is not there (yet, or any more): the next one
                self.errors.append(f"connect {url}: {exc}")
                self.node = (self.node + 1) % len(self.urls)
                time.sleep(0.2)
                continue
            self.connection += 1
            try:
                self.session(ws, url)
            except simple_websocket.ConnectionClosed as exc:
                self.closes.append(exc.reason)
                if exc.reason == 1012:
                    self.node = (self.node + 1) % len(self.urls)  # the load balancer's choice, here
                    time.sleep(random.random() * RESTART_SPREAD)
            finally:
                try:
                    ws.close()
                except Exception:
                    pass

    def session(self, ws: Any, url: str) -> None:
        while not self.done.is_set():
            raw = ws.receive(timeout=0.5)
            if raw is None:
                continue
            event = json.loads(raw)
            if event["type"] == "hello":
                self.catch_up(url)
                self.connected.set()
            elif event["type"] == "message.created":
                message_id = event["data"]["id"]
                self.received.append((self.connection, message_id))
                if message_id in self.handed:  # live.js: once per page, whichever socket brought it
                    continue
                self.handed.append(message_id)
                self.shown.setdefault(message_id, "live")  # thread.js: once, live or caught up

    def catch_up(self, url: str) -> None:
        # What the page's onConnected handler does (thread.js): the messages after the last one it shows.
        after = max(self.shown, default=0)
        while True:
            try:
                status, body = get(f"{url}/api/v1/exchanges/{self.exchange_id}/messages?after={after}&limit=200",
                                   self.headers, timeout=30)
            except OSError as exc:  # the page's fetch fails too: onConnected runs again at the next hello
                self.errors.append(f"catch-up: {exc}")
                return
            if status != 200:
                self.errors.append(f"catch-up {status}: {body}")
                return
            ids = [m["id"] for m in body["messages"]]
            for message_id in ids:
                self.shown.setdefault(message_id, "catch-up")
            if not body["has_more"] or not ids:
                return
            after = max(ids)

    def twice_on_the_wire(self) -> dict[int, list[int]]:
        """Message id -> the connections that brought it, for those that came more than once."""
        by_id: dict[int, list[int]] = {}
        for connection, message_id in self.received:
            by_id.setdefault(message_id, []).append(connection)
        return {message_id: came for message_id, came in by_id.items() if len(came) > 1}


class Sender:
    """Posts every SEND_EVERY seconds; a send the node could not take is retried, with the same
    Idempotency-Key, on the next node (stored once whatever happened to the first try's answer)."""

    def __init__(self, world: World, urls: list[str]) -> None:
        self.world, self.urls = world, urls
        self.node = 0
        self.posted: list[int] = []
        # message id -> the node that stored it (its index in urls); None when a try failed before: the first
        # node may have stored it and lost only its answer, the second then answered it again (Idempotency-Key)
        self.posted_on: dict[int, int | None] = {}
        self.by_node = [0] * len(urls)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        n = 0
        while not self.stop.is_set():
            n += 1
            key = str(uuid.uuid4())
            failed = False
            while True:
                url = self.urls[self.node]
                try:
                    status, body = post(f"{url}/api/v1/exchanges/{self.world.exchange_id}/messages",
                                        {"body": f"Message {n}"},
                                        {**self.world.tokens[n % ACCOUNTS], "Idempotency-Key": key}, timeout=5)
                except OSError:
                    status, body = None, None
                if status == 201:
                    self.posted.append(body["message"]["id"])
                    self.posted_on[body["message"]["id"]] = None if failed else self.node
                    self.by_node[self.node] += 1
                    break
                failed = True
                self.node = (self.node + 1) % len(self.urls)
                time.sleep(0.05)
            time.sleep(SEND_EVERY)


def first_traceback(*nodes: Node) -> str:
    logs = "".join(node.stderr for node in nodes)
    return logs[logs.index("Traceback"):][:3000] if "Traceback" in logs else ""


def sockets_open(node: Node) -> float:
    scraped = get(node.url + "/metrics")[1]
    return next(float(line.split()[1]) for line in scraped.splitlines() if line.startswith("relais_sockets_open "))


def test_a_node_stopped_under_load_loses_no_message_and_shows_none_twice(postgres_node_env, nodes) -> None:
    node_env = postgres_node_env
    node_env["RELAIS_WS_MAX_PER_ACCOUNT"] = str(SOCKETS)
    world = seed(accounts=ACCOUNTS)
    first, second = Node(node_env), Node(node_env)
    nodes.extend([first, second])
    first.wait_ready()
    second.wait_ready()
    urls = [first.url, second.url]
    # A load balancer spreads the pages: a quarter start on the second node, which then hears the first node's
    # events (NOTIFY) before the stop, as a node of a deployment does.
    clients = [Client(world, i % ACCOUNTS, urls, node=int(i % 4 == 3)) for i in range(SOCKETS)]
    for client in clients:
        client.thread.start()
    for client in clients:
        assert client.connected.wait(30), client.errors[-3:]
    # A client the first node was too busy to take went to the second, as behind a load balancer.
    assert sum(sockets_open(node) for node in (first, second)) == SOCKETS
    on_first = [c for c in clients if c.node == 0]
    assert len(on_first) > SOCKETS / 4, (Counter(e[:120] for c in clients for e in c.errors).most_common(3),
                                         first_traceback(first, second))
    sender = Sender(world, urls)
    sender.thread.start()
    time.sleep(2)

    stopped = first.stop(signal.SIGTERM)

    time.sleep(3)  # the clients move, the sender goes on posting to the second node
    sender.stop.set()
    sender.thread.join(10)
    posted = set(sender.posted)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(not posted <= c.seen for c in clients):
        time.sleep(0.2)
    for client in clients:
        client.done.set()

    assert stopped == 0, first.stderr
    traceback = first_traceback(first, second)
    assert not traceback, traceback  # a server error first: what the clients saw follows from it
    assert first.stopped_in < GRACEFUL_TIMEOUT, f"the node took {first.stopped_in:.1f} s to stop: {first.stderr}"
    assert all(sender.by_node), f"posted on each node: {sender.by_node}"  # before the stop, and after
    moved = [c.closes for c in on_first]
    assert all(closes == [1012] for closes in moved), [m for m in moved if m != [1012]][:5]
    assert all(c.closes == [] for c in clients if c not in on_first)
    twice = {i: c.twice_on_the_wire() for i, c in enumerate(clients) if c.twice_on_the_wire()}
    print(f"\nposted {len(posted)} ({sender.by_node} by node); {len(twice)} of {len(on_first)} moved pages got "
          f"{sum(len(t) for t in twice.values())} messages on both sockets")
    for client in clients:
        assert posted <= client.seen, f"lost: {sorted(posted - client.seen)[:10]}; {client.errors[-3:]}"
        assert len(client.handed) == len(set(client.handed))
        # The wire's part of the contract: each socket delivers a message once; only a page that moved may get it
        # again, on its new socket, and only a message the first node delivered itself.
        for message_id, came in client.twice_on_the_wire().items():
            assert len(came) == len(set(came)), f"message {message_id} twice on one socket: {came}"
            assert client in on_first, f"message {message_id} twice for a page that did not move: {came}"
            assert sender.posted_on.get(message_id) != 1, f"message {message_id} of the second node twice: {came}"
