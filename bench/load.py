"""Load benchmark: many users on live sockets across many conversations, messages posted at a total rate.

    python bench/load.py [--users 2000] [--members 10] [--rate 200] [--seconds 15] [--full]
                         [--threaded-users 1000] [--database-url postgresql://...] [--only NAME ...]

Each run of the platform is ``relais serve`` in its own process (as deployed), on loopback only. ``--users``
accounts, each with a token, are grouped ``--members`` to a conversation; every account opens one
websocket (spread over the nodes), then messages are posted through the API at ``--rate`` per second in
total, each into one conversation by one of its members, on alternate nodes. Every member's socket must
receive every message of its conversation once: a delivery missing two seconds after the last post is
lost, one in the wrong conversation or twice is counted apart.

Reported per run: sockets held, messages sent, deliveries received and lost, the POST's own latency and
the fan-out latency (POST sent → event read on a member's socket) at p50 and p99, server CPU per message
(the node processes' CPU time during the posting, divided by the messages), and memory per idle socket
(the nodes' resident memory after the sockets connected, minus before, divided by the sockets).

The runs: SQLite on one node with the default server (gunicorn + gevent when ``relais serve`` has it),
the threaded server at a size it survives (``--threaded-users``), and with ``--database-url`` (or the
local test database when it answers) PostgreSQL on one node and on two nodes sharing the database
(``event_backend = "postgres"``). ``--full`` is the 20,000-user run (the issue's target); the default
run takes a few minutes.

File descriptors: each socket is one descriptor in a node's worker and one in a client process. The command
raises its open-file limit as far as it may (to the hard limit without CAP_SYS_RESOURCE, which containers
often lack); the limit is per process, so a node whose sockets would not fit in one worker is started with
enough workers (``relais serve --workers N``, which needs the PostgreSQL event bus: the SQLite run is then
capped, and says so), and the sockets are held by enough client processes. The run prints why.
"""
from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import multiprocessing
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from load_nodes import (_tree, cpu_seconds, rss_bytes, postgres_cpu_seconds, machine_busy_seconds, serve_options, Node)  # noqa: E402

RELAIS = str(Path(sys.executable).with_name("relais"))
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
FULL_USERS = 20_000
# Descriptors a process needs besides its sockets: a worker's database connections, listening socket, log and
# metrics files, the app's files; a client process's pipes and interpreter files.
WORKER_FD_MARGIN = 1000
CLIENT_FD_MARGIN = 300
IDLE_SECONDS = 5.0  # idle CPU measured over this long, with every socket open


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def raise_fd_limit(wanted: int) -> int:
    """Raise this process's open-file limit (inherited by the nodes and the clients); returns what it got."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    for limit in (max(wanted, hard), hard):
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (limit, max(limit, hard)))
            return limit
        except (ValueError, OSError):  # not root: the hard limit is the most we may have
            continue
    return soft


# --- the platform's accounts and conversations ----------------------------------------------------
def prepare(config: dict, users: int, members: int) -> tuple[list[str], list[tuple[int, list[int]]]]:
    """``users`` accounts with a token each; conversations of ``members`` of them. Returns the tokens and
    (exchange id, member user indexes) per conversation."""
    from kernel import create_app
    from kernel.auth.passwords import hash_password
    from kernel.auth.tokens import create_token
    from kernel.db import write_transaction
    from kernel.models import Account, Identity

    app = create_app(config)
    relais = app.extensions["relais"]
    tokens, accounts = [], []
    with app.app_context():
        password = hash_password("bench")
        with write_transaction():
            for n in range(users):
                identity = Identity.create(kind="person", display_name=f"Charge {n}")
                account = Account.create(login=f"u{n}", password_hash=password, first_name="Charge",
                                         last_name=str(n), identity=identity)
                accounts.append(account)
                tokens.append(create_token(account, "bench")[1])
        conversations = []
        for start in range(0, users - members + 1, members):
            group = list(range(start, start + members))
            author = accounts[group[0]]
            exchange, _ = relais.sender.start_exchange("conversation", author, {
                "acting_as": author.identity_id, "subject": f"Charge {start // members}",
                "members": [accounts[i].identity_id for i in group[1:]]})
            conversations.append((exchange.id, group))
    relais.database.close_all()
    return tokens, conversations


# --- the clients: processes each holding a share of the sockets (asyncio, bench/load_client.py) ------
def client_process(sockets: list[tuple[int, str, str, int]], pipe) -> None:  # noqa: ANN001
    """Hold ``sockets`` (user index, token, node host, exchange id); count what arrives until told to stop."""
    raise_fd_limit(65536)
    asyncio.run(_client(sockets, pipe))


async def _client(sockets: list[tuple[int, str, str, int]], pipe) -> None:  # noqa: ANN001
    from load_client import Tally, connect

    loop = asyncio.get_running_loop()
    tally = Tally()
    connected, failed = [], [0]  # connected: user indexes
    reasons: dict[str, int] = {}  # why sockets failed to connect
    hellos = asyncio.Semaphore(50)  # handshakes under way at once, per client process (a page reload storm)
    clients = []

    async def hold(user: int, token: str, host: str, exchange_id: int) -> None:
        async with hellos:
            try:
                clients.append(await connect(tally, host, token, exchange_id))
            except Exception as exc:
                failed[0] += 1
                reason = f"{type(exc).__name__}: {str(exc)[:80]}"
                reasons[reason] = reasons.get(reason, 0) + 1
                return
        connected.append(user)

    await asyncio.gather(*(hold(*s) for s in sockets))
    pipe.send(("connected", connected, failed[0], reasons))
    await loop.run_in_executor(None, pipe.recv)  # "stop"
    pipe.send(("done", tally.received, tally.latencies, tally.stray, tally.dropped))
    await loop.run_in_executor(None, pipe.recv)  # "close"
    for client in clients:
        client.closing = True  # the node is stopped next: no closing handshake for thousands of sockets
        client.transport.abort()


# --- posting -----------------------------------------------------------------------------------
@dataclass
class Posted:
    exchange_of: dict[int, int] = field(default_factory=dict)  # message number -> conversation index
    post_ms: list[float] = field(default_factory=list)
    failures: int = 0
    late: int = 0
    abandoned: int = 0  # never posted: the run's time was up


def post_at_rate(hosts: list[str], tokens: list[str], conversations: list[tuple[int, list[int]]],
                 rate: float, seconds: float, threads: int = 16) -> Posted:
    """``rate`` messages a second in total for ``seconds``, from ``threads`` kept-alive connections."""
    posted = Posted()
    lock = threading.Lock()
    numbers = iter(range(10**9))
    started = time.monotonic() + 0.1
    total = int(rate * seconds)

    give_up = started + 2 * seconds + 10  # bounded in time too: a saturated node does not hold the run for ever

    from load_client import Poster

    def run(slot: int) -> None:
        conns: dict[str, Poster] = {}
        for k in range(slot, total, threads):
            if time.monotonic() > give_up:
                posted.abandoned += 1
                continue
            at = started + k / rate
            pause = at - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            elif pause < -0.05:
                posted.late += 1
            with lock:
                number = next(numbers)
            conversation = number % len(conversations)
            exchange_id, group = conversations[conversation]
            author = group[number // len(conversations) % len(group)]
            host = hosts[number % len(hosts)]
            conn = conns.get(host) or conns.setdefault(host, Poster(host))
            sent = time.monotonic()
            body = json.dumps({"body": f"L {number} {sent:.6f}"}).encode()
            try:
                ok = conn.post(f"/api/v1/exchanges/{exchange_id}/messages", body, {
                    "Authorization": f"Bearer {tokens[author]}", "Content-Type": "application/json"}) == 201
            except OSError:
                ok = False
            with lock:
                if ok:
                    posted.exchange_of[number] = conversation
                    posted.post_ms.append((time.monotonic() - sent) * 1000)
                else:
                    posted.failures += 1

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return posted


def floor_at_rate(host: str, rate: float, count: int) -> float:
    """p50 of ``GET /healthz`` (no database, no account) at ``rate`` a second on one kept-alive connection: what
    an answer costs at that pace on this machine whatever it does. At a few requests a second a process runs its
    code with cold caches, and how cold varies with the machine's other tenants (measured on this one: /healthz
    0.38 ms back to back, 1.3 to 1.7 ms at 5 a second, the code unchanged); the POST's p50 is read beside it."""
    from load_client import Poster

    poster, times = Poster(host), []
    try:
        for _ in range(count):
            began = time.monotonic()
            if poster.post("/healthz", b"", {}, method="GET") == 200:
                times.append((time.monotonic() - began) * 1000)
            time.sleep(max(0.0, began + 1 / rate - time.monotonic()))
    except OSError:
        pass
    finally:
        poster.close()
    return percentile(times, 50)


FLOOR_UP_TO = 50  # messages a second: the floor is measured at these paces only (cold caches matter there)
FLOOR_COUNT = 40


# --- one run -------------------------------------------------------------------------------------
@dataclass
class Result:
    name: str
    users: int
    sockets: int = 0
    connect_failures: int = 0
    connect_reasons: dict = field(default_factory=dict)
    connect_seconds: float = float("nan")  # from the first client process started to the last socket's hello
    sent: int = 0
    post_failures: int = 0
    expected: int = 0
    received: int = 0
    lost: int = 0
    extra: int = 0
    stray: int = 0
    dropped: int = 0
    post_p50: float = float("nan")
    post_p99: float = float("nan")
    floor_p50: float = float("nan")  # GET /healthz at the same pace (floor_at_rate), at low rates only
    p50: float = float("nan")
    p99: float = float("nan")
    rate: float = 0.0
    cpu_ms: float = float("nan")
    idle_cpu_ms: float = float("nan")
    kb_per_socket: float = float("nan")
    workers: int = 1
    clients: int = 1
    load_idle: str = ""  # uptime's load averages while the sockets sat idle, and at the end of the posting
    load_posting: str = ""
    # Where the CPU went during the posting, in ms per message sent: the client processes (asyncio, parsing
    # every delivery), PostgreSQL's processes, and the whole machine (other programs included).
    client_cpu_ms: float = float("nan")
    postgres_cpu_ms: float = float("nan")
    machine_cpu_ms: float = float("nan")
    net_cpu_ms: float = float("nan")  # the nodes' CPU per message less what the idle sockets cost meanwhile
    note: str = ""


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def run(name: str, *, users: int, members: int, rate: float, seconds: float, nodes: int, threaded: bool,
        database_url: str, work: Path, clients: int, workers: int = 1, idle: float = IDLE_SECONDS) -> Result:
    from conversation_ws import Schema

    result = Result(name, users, workers=workers, clients=clients)
    schema = Schema(database_url) if database_url else None
    data_dir = work / name.replace(" ", "_").replace(",", "")
    data_dir.mkdir(parents=True)
    config = {"data_dir": str(data_dir), "plugins": ["conversation"], "log_level": "WARNING",
              "secret_key": "bench-" + os.urandom(8).hex()}
    if schema is not None:
        # Several nodes, or several workers in one, reach each other's sockets through NOTIFY only.
        config.update(database_url=schema.database_url(),
                      event_backend="postgres" if nodes > 1 or workers > 1 else "local")
    started_nodes: list[Node] = []
    pipes = []
    processes = []
    try:
        print(f"[{name}] preparing {users} accounts…", flush=True)
        tokens, conversations = prepare(config, users, members)
        env = {**os.environ, "RELAIS_DATA_DIR": config["data_dir"], "RELAIS_PLUGINS": "conversation",
               "RELAIS_LOG_LEVEL": "WARNING", "RELAIS_SECRET_KEY": config["secret_key"],
               "RELAIS_MAIL_INBOUND": "none", "RELAIS_WS_MAX_PER_NODE": str(users + 100),
               "RELAIS_DATABASE_URL": config.get("database_url", ""),
               "RELAIS_EVENT_BACKEND": config.get("event_backend", "local")}
        env.pop("RELAIS_CONFIG", None)
        for n in range(nodes):
            started_nodes.append(Node(env, threaded, data_dir / f"node{n}.log", workers))
        hosts = [node.host for node in started_nodes]
        for node in started_nodes:  # one request each: the app is loaded before memory is read
            conn = http.client.HTTPConnection(node.host, timeout=30)
            conn.request("GET", "/api/v1/exchanges", headers={"Authorization": f"Bearer {tokens[0]}"})
            conn.getresponse().read()
            conn.close()
        time.sleep(0.5)
        rss_before = sum(node.rss() for node in started_nodes)

        plan = [(u, tokens[u], hosts[u % nodes], exchange_id)
                for exchange_id, group in conversations for u in group]
        shares = [plan[i::clients] for i in range(clients)]
        print(f"[{name}] connecting {len(plan)} sockets on {nodes} node(s)…", flush=True)
        connecting = time.monotonic()
        for share in shares:
            ours, theirs = multiprocessing.Pipe()
            process = multiprocessing.Process(target=client_process, args=(share, theirs), daemon=True)
            process.start()
            pipes.append(ours)
            processes.append(process)
        live: set[int] = set()  # users whose socket is open: they are the ones expecting deliveries
        for pipe in pipes:
            _, ok, failed, reasons = pipe.recv()
            for reason, count in reasons.items():
                result.connect_reasons[reason] = result.connect_reasons.get(reason, 0) + count
            live.update(ok)
            result.sockets += len(ok)
            result.connect_failures += failed
        result.connect_seconds = time.monotonic() - connecting
        time.sleep(2.0)  # idle: what the sockets cost at rest
        result.kb_per_socket = (sum(node.rss() for node in started_nodes) - rss_before) / 1024 / max(result.sockets, 1)
        cpu_idle = sum(node.cpu() for node in started_nodes)
        print(f"[{name}] {result.sockets} sockets idle for {idle:.0f} s (node pid {started_nodes[0].process.pid})…",
              flush=True)
        time.sleep(idle)
        idle_cpu = sum(node.cpu() for node in started_nodes) - cpu_idle
        result.load_idle = loadavg()

        print(f"[{name}] posting {rate:.0f} messages/s for {seconds:.0f} s…", flush=True)
        cpu_before = sum(node.cpu() for node in started_nodes)
        clients_before = sum(cpu_seconds(p.pid) for p in processes)
        own_before = sum(resource.getrusage(resource.RUSAGE_SELF)[:2])  # the posting threads (and this process)
        postgres_before, machine_before = postgres_cpu_seconds(), machine_busy_seconds()
        wall = time.monotonic()
        posted = post_at_rate(hosts, tokens, conversations, rate, seconds)
        wall = time.monotonic() - wall
        cpu_used = sum(node.cpu() for node in started_nodes) - cpu_before
        clients_used = sum(cpu_seconds(p.pid) for p in processes) - clients_before
        own_used = sum(resource.getrusage(resource.RUSAGE_SELF)[:2]) - own_before
        # PostgreSQL's backends that ended meanwhile (other programs' connections) take their CPU time away.
        postgres_used = max(postgres_cpu_seconds() - postgres_before, 0.0)
        machine_used = machine_busy_seconds() - machine_before
        result.load_posting = loadavg()
        time.sleep(2.0)  # the last deliveries
        received: dict[int, int] = {}
        latencies: list[float] = []
        for pipe in pipes:
            pipe.send("stop")
        for pipe in pipes:
            _, got, lat, stray, dropped = pipe.recv()
            for number, count in got.items():
                received[number] = received.get(number, 0) + count
            latencies.extend(lat)
            result.stray += stray
            result.dropped += dropped
        for pipe in pipes:
            pipe.send("close")
        if rate <= FLOOR_UP_TO:
            result.floor_p50 = floor_at_rate(hosts[0], rate, FLOOR_COUNT)

        result.sent = len(posted.exchange_of)
        result.post_failures = posted.failures
        result.rate = result.sent / wall
        listening = [sum(u in live for u in group) for _, group in conversations]
        result.expected = sum(listening[c] for c in posted.exchange_of.values())
        result.received = sum(min(received.get(n, 0), listening[c]) for n, c in posted.exchange_of.items())
        result.extra = sum(received.values()) - result.received
        result.lost = result.expected - result.received
        result.post_p50, result.post_p99 = percentile(posted.post_ms, 50), percentile(posted.post_ms, 99)
        result.p50, result.p99 = percentile(latencies, 50), percentile(latencies, 99)
        result.cpu_ms = cpu_used * 1000 / max(result.sent, 1)
        result.client_cpu_ms = clients_used * 1000 / max(result.sent, 1)
        result.postgres_cpu_ms = postgres_used * 1000 / max(result.sent, 1)
        result.machine_cpu_ms = machine_used * 1000 / max(result.sent, 1)
        result.net_cpu_ms = (cpu_used - idle_cpu / idle * wall) * 1000 / max(result.sent, 1)
        others = machine_used - cpu_used - clients_used - postgres_used - own_used
        result.note = (f"posting took {wall:.1f} s: machine busy {machine_used / wall * 100:.0f} % of one core "
                       f"(of {os.cpu_count() * 100} %): nodes {cpu_used / wall * 100:.0f} %, client processes "
                       f"{clients_used / wall * 100:.0f} % ({result.client_cpu_ms:.2f} ms/msg), PostgreSQL "
                       f"{postgres_used / wall * 100:.0f} % ({result.postgres_cpu_ms:.2f} ms/msg), posting "
                       f"threads {own_used / wall * 100:.0f} %, other programs {others / wall * 100:.0f} %; node CPU "
                       f"less the idle sockets' {result.net_cpu_ms:.2f} ms/msg")
        result.idle_cpu_ms = idle_cpu * 1000 / idle  # per second of idle, all sockets
        if result.floor_p50 == result.floor_p50:  # measured (not nan)
            result.note += (f"; the machine's floor at this pace: GET /healthz p50 {result.floor_p50:.2f} ms "
                            f"(POST p50 {result.post_p50:.2f} ms)")
        if posted.late:
            result.note += f"; {posted.late} posts behind schedule"
        if posted.abandoned:
            result.note += f"; {posted.abandoned} posts not made (time up: the node could not keep the rate)"
    except Exception as exc:  # one run failing (the threaded server at a size it does not survive) is a figure
        result.note = f"failed: {exc}"
    finally:
        for process in processes:
            process.join(10)
            if process.is_alive():
                process.kill()
        for node in started_nodes:
            node.stop()
        if schema is not None:
            schema.drop()
        errors = node_errors(data_dir)
        if errors:
            result.note += "; the nodes' logs: " + ", ".join(f"{n} × {line}" for line, n in errors)
    return result


def node_errors(data_dir: Path, top: int = 3) -> list[tuple[str, int]]:
    """The commonest error lines of the nodes' logs (an exception's last line), to say why sockets failed."""
    counts: dict[str, int] = {}
    for log_path in data_dir.glob("node*.log"):
        try:
            lines = log_path.read_text(errors="replace").splitlines()
        except OSError:
            continue
        for line in lines:
            if re.match(r"^[\w.]+(Error|Exception|Exceeded)\b.*:", line) or " ERROR " in line:
                key = re.sub(r"\d+", "N", line.split(" ERROR ", 1)[-1])[:100]
                counts[key] = counts.get(key, 0) + 1
    return sorted(counts.items(), key=lambda x: -x[1])[:top]


def show(results: list[Result], load: str) -> None:
    print(f"\nLoad benchmark, loopback, {os.cpu_count()} cores shared by the nodes, the client processes, the "
          f"posting threads (and whatever else runs); load average before the runs: {load}")
    head = (f"{'run':34}{'sockets':>9}{'sent':>7}{'msg/s':>7}{'deliv.':>9}{'lost':>6}{'POST p50':>9}{'p99':>9}"
            f"{'fan-out p50':>12}{'p99':>9}{'CPU ms/msg':>11}{'kB/socket':>10}")
    print(head)
    print("-" * len(head))
    for r in results:
        print(f"{r.name:34}{r.sockets:>9}{r.sent:>7}{r.rate:>7.0f}{r.received:>9}{r.lost:>6}{r.post_p50:>9.2f}"
              f"{r.post_p99:>9.1f}{r.p50:>12.2f}{r.p99:>9.1f}{r.cpu_ms:>11.2f}{r.kb_per_socket:>10.1f}")
    for r in results:
        extras = []
        if r.connect_failures:
            reasons = sorted(r.connect_reasons.items(), key=lambda x: -x[1])[:3]
            extras.append(f"{r.connect_failures} sockets failed to connect ("
                          + ", ".join(f"{n} {why}" for why, n in reasons) + ")")
        if r.post_failures:
            extras.append(f"{r.post_failures} posts failed")
        if r.extra or r.stray:
            extras.append(f"{r.extra} deliveries twice, {r.stray} in a wrong conversation")
        if r.dropped:
            extras.append(f"{r.dropped} sockets closed by the server")
        if r.note:
            extras.append(r.note)
        extras.append(f"connected in {r.connect_seconds:.0f} s ({r.sockets / max(r.connect_seconds, 1e-9):.0f} handshakes/s, "
                      f"at most 50 at once per client process)")
        extras.append(f"idle CPU {r.idle_cpu_ms:.0f} ms/s for {r.sockets} sockets")
        extras.append(f"{r.workers} worker(s), {r.clients} client processes")
        extras.append(f"load average {r.load_idle} idle, {r.load_posting} after posting")
        print(f"  {r.name}: " + "; ".join(extras))
    print("Targets (issue 16): 20,000 sockets on one node, 200 msg/s into 10-member conversations, fan-out "
          "p99 < 100 ms, 0 lost, < 40 kB per idle socket.")


def postgres_answers(url: str) -> bool:
    try:
        import psycopg2

        psycopg2.connect(url, connect_timeout=2).close()
        return True
    except Exception:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=2000, help="sockets of the default server's runs")
    parser.add_argument("--threaded-users", type=int, default=1000, help="sockets of the threaded server's run")
    parser.add_argument("--members", type=int, default=10)
    parser.add_argument("--rate", type=float, default=200.0, help="messages per second, in total")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--full", action="store_true", help=f"{FULL_USERS:,} users on the default server's runs")
    parser.add_argument("--database-url", default="",
                        help=f"PostgreSQL for the PostgreSQL runs (default: {DEFAULT_PG} when it answers)")
    parser.add_argument("--clients", type=int, default=2,
                        help="client processes holding the sockets (at least as many as the open-file limit needs)")
    parser.add_argument("--idle", type=float, default=IDLE_SECONDS,
                        help="seconds the sockets sit idle (idle CPU measured then; time for a profiler)")
    parser.add_argument("--workers", type=int, default=1,
                        help="workers per node on PostgreSQL (at least as many as the open-file limit needs)")
    parser.add_argument("--only", nargs="*", default=None,
                        help="runs to make: sqlite, threaded, postgres, postgres2 (default: all)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (nodes' logs)")
    args = parser.parse_args()
    users = FULL_USERS if args.full else args.users
    got = raise_fd_limit(users + 4096)
    # The limit is per process: a worker holds one descriptor per socket it serves, a client process one per
    # socket it holds. Without the right to raise the hard limit (CAP_SYS_RESOURCE, absent in this kind of
    # container) the sockets are spread over enough processes instead.
    per_worker = got - WORKER_FD_MARGIN
    clients = max(args.clients, -(-users // (got - CLIENT_FD_MARGIN)))

    def workers_for(node_sockets: int) -> int:
        return max(args.workers, -(-node_sockets // per_worker))

    sqlite_users = users
    if users > per_worker:  # SQLite runs one worker (its event bus is in-process): capped
        sqlite_users = per_worker // args.members * args.members
    print(f"open-file limit {got} per process (hard limit: {resource.getrlimit(resource.RLIMIT_NOFILE)[1]}): "
          f"{clients} client processes of at most {-(-users // clients)} sockets; a node takes "
          f"{workers_for(users)} worker(s) on PostgreSQL for {users} sockets (at most {per_worker} each)"
          + (f"; SQLite has one worker: {sqlite_users} users there" if sqlite_users < users else ""), flush=True)

    has_gevent = "--threaded" in serve_options()
    default_server = "gevent" if has_gevent else "threaded (no gevent serve yet)"
    pg = args.database_url or (DEFAULT_PG if postgres_answers(DEFAULT_PG) else "")
    wanted = set(args.only or ["sqlite", "threaded", "postgres", "postgres2"])
    runs = []
    if "sqlite" in wanted:
        runs.append((f"SQLite, 1 node, {default_server.split()[0]}", dict(users=sqlite_users, nodes=1,
                                                                        threaded=False, database_url="")))
    if "threaded" in wanted and has_gevent:
        runs.append(("SQLite, 1 node, threaded", dict(users=args.threaded_users, nodes=1, threaded=True,
                                                      database_url="")))
    if pg and "postgres" in wanted:
        runs.append((f"PostgreSQL, 1 node, {default_server.split()[0]}", dict(
            users=users, nodes=1, threaded=False, database_url=pg, workers=workers_for(users))))
    if pg and "postgres2" in wanted:
        runs.append((f"PostgreSQL, 2 nodes, {default_server.split()[0]}", dict(
            users=users, nodes=2, threaded=False, database_url=pg, workers=workers_for(-(-users // 2)))))
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    work = Path(tempfile.mkdtemp(prefix="relais-bench-load-"))
    results = []
    try:
        for name, options in runs:
            results.append(run(name, members=args.members, rate=args.rate, seconds=args.seconds, work=work,
                               clients=clients, idle=args.idle, **options))
            r = results[-1]  # as it comes: a long run's first figures are not lost to a later failure
            print(f"[{name}] {r.sockets} sockets, {r.sent} sent ({r.rate:.0f}/s), {r.lost} lost, fan-out p50 "
                  f"{r.p50:.1f} ms p99 {r.p99:.1f} ms, {r.cpu_ms:.2f} ms CPU/msg, {r.kb_per_socket:.1f} kB/socket "
                  f"{r.note}", flush=True)
    finally:
        if args.keep:
            print(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    show(results, load)


if __name__ == "__main__":
    main()
