"""Benchmark: live conversation delivery over websockets, against the bare websocket echo floor.

    python bench/conversation_ws.py [--members 10] [--rate 100] [--seconds 10]
                                    [--database-url postgresql://... [--instances 2]]

Starts the real platform (threaded werkzeug server, SQLite, the conversation plugin) on loopback,
connects ``--members`` websocket clients, posts messages through the API at ``--rate`` per second
and measures send-to-receive latency at every member; then measures sustained throughput (as fast
as four senders can go). In the same run, a bare flask-sock echo on the same server stack gives the
floor. Everything stays on 127.0.0.1 and stops by itself.

With ``--database-url`` (PostgreSQL) the platform runs on a throwaway schema of that database; with
``--instances 2`` or more, each instance is its own process with ``event_backend = "postgres"``,
members are spread over the instances, messages are posted to the first one, and latencies are
reported for members on the sending instance and on the others (LISTEN/NOTIFY in between).
"""
from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import sys
import tempfile
import threading
import time
import http.client
from pathlib import Path

import simple_websocket
from flask import Flask
from flask_sock import Sock
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kernel import create_app  # noqa: E402
from kernel.auth.passwords import hash_password  # noqa: E402
from kernel.auth.tokens import create_token  # noqa: E402
from kernel.models import Account, Identity  # noqa: E402


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def serve_platform(config: dict, ready: "multiprocessing.Queue") -> None:
    """The platform as ``relais serve`` runs it, in its own process: the clients must not share its GIL."""
    from kernel.server import run_platform

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app = create_app(config)
    run_platform(app, "127.0.0.1", 0, ready_callback=lambda platform: ready.put(platform.port), services=[])


class Schema:
    """A throwaway PostgreSQL schema for the run, dropped at the end."""

    def __init__(self, url: str) -> None:
        import uuid

        import psycopg2

        self.url, self.name = url, f"bench_{uuid.uuid4().hex[:10]}"
        self._connect = lambda: psycopg2.connect(url)
        self._run(f"CREATE SCHEMA {self.name}")

    def _run(self, sql: str) -> None:
        conn = self._connect()
        conn.autocommit = True
        conn.cursor().execute(sql)
        conn.close()

    def database_url(self) -> str:
        joiner = "&" if "?" in self.url else "?"
        return f"{self.url}{joiner}options=-c%20search_path%3D{self.name}"

    def drop(self) -> None:
        self._run(f"DROP SCHEMA {self.name} CASCADE")


def serve(app) -> tuple[str, callable]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return f"127.0.0.1:{server.server_port}", server.shutdown


def echo_floor(samples: int) -> list[float]:
    """Round trips through a bare flask-sock echo on the same server stack (ms)."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app = Flask("echo")
    sock = Sock(app)

    @sock.route("/echo")
    def echo(ws):  # noqa: ANN001
        while True:
            ws.send(ws.receive())

    host, stop = serve(app)
    ws = simple_websocket.Client.connect(f"ws://{host}/echo")
    times = []
    for n in range(samples):
        started = time.perf_counter()
        ws.send(str(n))
        ws.receive(timeout=5)
        times.append((time.perf_counter() - started) * 1000)
    ws.close()
    stop()
    return times


class Member(threading.Thread):
    """One connected member: records when each message id arrives."""

    def __init__(self, url: str, token: str) -> None:
        super().__init__(daemon=True)
        self.ws = simple_websocket.Client.connect(url, headers={"Authorization": f"Bearer {token}"})
        self.arrivals: dict[int, float] = {}
        self.ready = threading.Event()
        self.running = True

    def run(self) -> None:
        while self.running:
            try:
                raw = self.ws.receive(timeout=0.5)
            except simple_websocket.ConnectionClosed:
                return
            if raw is None:
                continue
            event = json.loads(raw)
            if event["type"] == "hello":
                self.ready.set()
            elif event["type"] == "message.created":
                self.arrivals[event["data"]["id"]] = time.perf_counter()


_connections = threading.local()


def post(host: str, token: str, exchange_id: int, body: str) -> tuple[int, float]:
    """POST a message on this thread's kept-alive connection; returns its id and when it was sent."""
    # One kept-alive connection per sending thread, as a browser does.
    conn = getattr(_connections, "conn", None)
    if conn is None:
        conn = _connections.conn = http.client.HTTPConnection(host, timeout=10)
    data = json.dumps({"body": body})
    sent = time.perf_counter()
    conn.request("POST", f"/api/v1/exchanges/{exchange_id}/messages", body=data,
                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    response = conn.getresponse()
    return json.loads(response.read())["message"]["id"], sent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=10)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--database-url", default="", help="PostgreSQL URL (default: SQLite in a temporary folder)")
    parser.add_argument("--instances", type=int, default=1, help="platform processes (2 or more need PostgreSQL)")
    args = parser.parse_args()
    if args.instances > 1 and not args.database_url.startswith("postgres"):
        parser.error("--instances 2 or more needs --database-url postgresql://...")

    data_dir = tempfile.mkdtemp(prefix="relais-bench-ws-")
    schema = Schema(args.database_url) if args.database_url else None
    config = {"data_dir": data_dir, "plugins": ["conversation"], "log_level": "ERROR"}
    if schema is not None:
        config.update(database_url=schema.database_url(), event_backend="postgres" if args.instances > 1 else "local")
    app = create_app(config)
    with app.app_context():
        password = hash_password("bench")
        people = []
        for n in range(args.members + 1):
            identity = Identity.create(kind="person", display_name=f"Membre {n}")
            people.append(Account.create(login=f"m{n}", password_hash=password, first_name="Membre",
                                         last_name=str(n), identity=identity))
        tokens = [create_token(a, "bench")[1] for a in people]
        client = app.test_client()
        r = client.post("/api/v1/channels/conversation/exchanges", headers={"Authorization": f"Bearer {tokens[0]}"},
                        json={"acting_as": people[0].identity_id, "subject": "Banc d'essai",
                              "members": [p.identity_id for p in people[1:]]})
        exchange_id = r.json["exchange"]["id"]

    app.extensions["relais"].database.close_all()
    ready: multiprocessing.Queue = multiprocessing.Queue()
    platforms, hosts = [], []
    for n in range(args.instances):
        platform = multiprocessing.Process(target=serve_platform, args=(config, ready), daemon=True)
        platform.start()
        platforms.append(platform)
        hosts.append(f"127.0.0.1:{ready.get(timeout=30)}")
    host = hosts[0]  # where messages are posted
    members = [Member(f"ws://{hosts[n % args.instances]}/ws", t) for n, t in enumerate(tokens[1:])]
    for m in members:
        m.start()
        m.ready.wait(5)
    if args.instances > 1:
        time.sleep(1.0)  # each instance opens its LISTEN connection with its first socket

    # 1. Latency at a steady rate.
    sent: dict[int, float] = {}
    interval = 1.0 / args.rate
    deadline = time.perf_counter() + args.seconds
    next_at = time.perf_counter()
    late = 0
    while time.perf_counter() < deadline:
        message_id, at = post(host, tokens[0], exchange_id, "Latence")
        sent[message_id] = at
        next_at += interval
        pause = next_at - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        else:
            late += 1
    time.sleep(1.0)
    latencies = [(m.arrivals[i] - t) * 1000 for i, t in sent.items() for m in members if i in m.arrivals]
    on_sender = [(m.arrivals[i] - t) * 1000 for i, t in sent.items() for n, m in enumerate(members)
                 if n % args.instances == 0 and i in m.arrivals]
    on_others = [(m.arrivals[i] - t) * 1000 for i, t in sent.items() for n, m in enumerate(members)
                 if n % args.instances != 0 and i in m.arrivals]
    lost = len(sent) * len(members) - len(latencies)
    achieved_rate = len(sent) / args.seconds

    # 2. Sustained throughput: four senders as fast as they can for a few seconds.
    counts = [0] * 4
    stop_at = time.perf_counter() + min(args.seconds, 5.0)

    def flood(slot: int) -> None:
        while time.perf_counter() < stop_at:
            post(host, tokens[0], exchange_id, "Débit")
            counts[slot] += 1

    before = {id(m): len(m.arrivals) for m in members}
    started = time.perf_counter()
    floods = [threading.Thread(target=flood, args=(i,)) for i in range(4)]
    for t in floods:
        t.start()
    for t in floods:
        t.join()
    elapsed = time.perf_counter() - started
    time.sleep(1.0)
    delivered = sum(len(m.arrivals) - before[id(m)] for m in members)
    for m in members:
        m.running = False
    for platform in platforms:
        platform.terminate()
        platform.join(10)
    if schema is not None:
        schema.drop()

    floor = echo_floor(2000)
    engine = "SQLite" if schema is None else f"PostgreSQL, {args.instances} instance(s)"
    print(f"\nConversation live delivery ({engine}), {args.members} members on websockets, {len(sent)} messages "
          f"at {achieved_rate:.0f}/s (target {args.rate:.0f}/s, {late} sends behind schedule)")
    print(f"{'':38}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    print(f"{'send → receive (each member)':38}{percentile(latencies, 50):>10.2f}{percentile(latencies, 95):>10.2f}"
          f"{percentile(latencies, 99):>10.2f}{max(latencies):>10.2f}")
    if args.instances > 1:
        for label, values in (("  members on the sending instance", on_sender), ("  members on other instances", on_others)):
            print(f"{label:38}{percentile(values, 50):>10.2f}{percentile(values, 95):>10.2f}"
                  f"{percentile(values, 99):>10.2f}{max(values):>10.2f}")
    print(f"{'bare websocket echo round trip (floor)':38}{percentile(floor, 50):>10.2f}"
          f"{percentile(floor, 95):>10.2f}{percentile(floor, 99):>10.2f}{max(floor):>10.2f}")
    print(f"deliveries lost: {lost}")
    print(f"sustained: {sum(counts) / elapsed:.0f} messages/s posted, {delivered / elapsed:.0f} deliveries/s "
          f"({delivered} of {sum(counts) * len(members)} delivered)")
    ok = percentile(latencies, 50) < 5 and percentile(latencies, 99) < 25 and lost == 0
    print(f"targets (p50 < 5 ms, p99 < 25 ms at {args.rate:.0f}/s, nothing lost): {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
