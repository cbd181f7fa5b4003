"""Benchmark: the send path alone, in process (no HTTP server, no sockets): posting a message into a
10-member conversation through the API, as ``POST /api/v1/exchanges/<id>/messages`` runs it.

    python bench/send_path.py [--messages 2000] [--members 10] [--database-url postgresql://...]
                              [--threads 4] [--profile | --cpu-profile] [--idempotency]

Reports CPU and wall time per message (the process's own CPU: what the server spends per send, minus
HTTP parsing and socket writes), p50/p99 of one post, and Python function calls per post (cProfile's
count over 200 posts: deterministic, unlike times on a shared machine). In the same run, two floors on
the same stack: a bare Flask app answering a JSON POST (the framework's own cost per request), and one
INSERT and COMMIT on the same database (the storage's cost per transaction: on PostgreSQL, the WAL flush).
``--threads N`` also posts from N threads at once, each into its own conversation (on PostgreSQL commits
then share WAL flushes). ``--profile``: pyinstrument's tree (wall time); ``--cpu-profile``: cProfile's
functions. With ``--database-url`` the platform runs on a throwaway PostgreSQL schema.
"""
from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from kernel import create_app  # noqa: E402
from kernel.auth.passwords import hash_password  # noqa: E402
from kernel.auth.tokens import create_token  # noqa: E402
from kernel.models import Account, Identity  # noqa: E402


def setup(config: dict, members: int, conversations: int = 1) -> tuple:
    app = create_app(config)
    with app.app_context():
        password = hash_password("bench")
        people = []
        for n in range(members + 1):
            identity = Identity.create(kind="person", display_name=f"Membre {n}")
            people.append(Account.create(login=f"m{n}", password_hash=password, first_name="Membre",
                                         last_name=str(n), identity=identity))
        tokens = [create_token(a, "bench")[1] for a in people]
        exchange_ids = []
        for n in range(conversations):
            r = app.test_client().post(
                "/api/v1/channels/conversation/exchanges", headers={"Authorization": f"Bearer {tokens[0]}"},
                json={"acting_as": people[0].identity_id, "subject": f"Banc d'essai {n}",
                      "members": [p.identity_id for p in people[1:]]})
            exchange_ids.append(r.json["exchange"]["id"])
    return app, tokens, exchange_ids


def load_average() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


class Run:
    """Figures of one kind of post: CPU and wall per post, latency of one post, calls per post."""

    def __init__(self, label: str) -> None:
        self.label, self.cpu, self.wall, self.times, self.calls = label, 0.0, 0.0, [], None

    def measure(self, post, count: int) -> "Run":
        cpu, wall = time.process_time(), time.perf_counter()
        for n in range(count):
            t = time.perf_counter()
            post(n)
            self.times.append(time.perf_counter() - t)
        self.cpu, self.wall = time.process_time() - cpu, time.perf_counter() - wall
        return self

    def count_calls(self, post, count: int = 200) -> "Run":
        import cProfile
        import pstats

        profile = cProfile.Profile()
        profile.enable()
        for n in range(count):
            post(100_000 + n)
        profile.disable()
        self.calls = pstats.Stats(profile).total_calls / count
        return self

    def row(self) -> str:
        n = len(self.times)
        q = statistics.quantiles(self.times, n=100) if n > 1 else self.times * 99
        calls = f"{self.calls:9.0f}" if self.calls is not None else f"{'':>9}"
        return (f"{self.label:<44}{self.cpu / n * 1000:9.3f}{self.wall / n * 1000:9.3f}{q[49] * 1000:9.3f}"
                f"{q[98] * 1000:9.3f}{n / self.wall:9.0f}{calls}")


def statements_per_post(app, post, postgres: bool, count: int = 20, show: bool = False) -> float:
    """What one post sends to the database: on PostgreSQL every round trip the driver makes (the pool's ping,
    BEGIN and COMMIT included), counted by a cursor class; on SQLite the statements run (no round trips).
    ``show``: print the last post's, one a line."""
    db = app.extensions["relais"].database
    seen: list[str] = []
    if postgres:
        import psycopg2.extensions

        class Counting(psycopg2.extensions.cursor):
            def execute(self, sql, params=None):  # noqa: ANN001, ANN202
                seen.append(sql)
                return super().execute(sql, params)

        db.close_all()
        db.connect_params["cursor_factory"] = Counting
        try:
            for n in range(count):
                post(200_000 + n)
        finally:
            db.close_all()
            del db.connect_params["cursor_factory"]
    else:
        original = db.execute_sql

        def counting(sql, params=None, *args, **kwargs):  # noqa: ANN001, ANN202
            seen.append(sql)
            return original(sql, params, *args, **kwargs)

        db.execute_sql = counting
        try:
            for n in range(count):
                post(200_000 + n)
        finally:
            del db.execute_sql
    if show:
        per_post = len(seen) // count
        print(f"\nWhat the last post sent ({'round trips' if postgres else 'statements'}):")
        for sql in seen[-per_post:]:
            print("  " + " ".join(str(sql).split())[:400])
    return len(seen) / count


class PostgresSide:
    """What PostgreSQL spends on the posts: the CPU of the backends serving this run (its pooled connections and
    the live events' listener, read from /proc: the server must be on this machine), and with ``statements``
    pg_stat_statements' view of the same posts (the extension must be loaded: a throwaway cluster started with
    ``shared_preload_libraries = pg_stat_statements``, see bench/README.md)."""

    def __init__(self, app, statements: bool) -> None:  # noqa: ANN001
        self.app, self.statements = app, statements
        self.cpu = 0.0
        self.rows: list[tuple] = []

    def _pids(self) -> list[int]:
        db = self.app.extensions["relais"].database
        conns = [c for _, _, c in getattr(db, "_connections", [])] + list(getattr(db, "_in_use", {}))
        pids = {c.get_backend_pid() for c in conns if not c.closed}
        listener = getattr(self.app.extensions["relais"].events._backend, "listener_pid", None)
        return sorted(pids | ({listener} if listener else set()))

    @staticmethod
    def _cpu(pids: list[int]) -> float:
        total = 0
        for pid in pids:
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rpartition(")")[2].split()
                total += int(fields[11]) + int(fields[12])
            except OSError:
                pass
        return total / os.sysconf("SC_CLK_TCK")

    def _sql(self, sql: str) -> list[tuple]:
        from kernel.db import database

        with self.app.app_context():
            return database.obj.execute_sql(sql).fetchall()

    def start(self) -> None:
        if self.statements:
            self._sql("SELECT public.pg_stat_statements_reset()")
        self.pids = self._pids()
        self.syncs = -self._wal_syncs()
        self.cpu = -self._cpu(self.pids)

    def _wal_syncs(self) -> int:
        """The server's WAL flushes so far (pg_stat_wal, PostgreSQL 14+): a commit waits for one."""
        try:
            return int(self._sql("SELECT wal_sync FROM pg_stat_wal")[0][0])
        except Exception:  # noqa: BLE001 - an older server
            return 0

    def stop(self) -> None:
        self.cpu += self._cpu(self.pids)
        self.syncs += self._wal_syncs()
        if self.statements:
            self.rows = self._sql(
                "SELECT calls, total_plan_time + total_exec_time, total_exec_time, shared_blks_hit, wal_bytes, query "
                "FROM public.pg_stat_statements WHERE position('pg_stat_statements' in query) = 0 "
                "ORDER BY total_plan_time + total_exec_time DESC")

    def report(self, posts: int) -> None:
        print(f"PostgreSQL: {self.cpu / posts * 1000:.3f} ms CPU per post in the run's {len(self.pids)} backends "
              f"(pids {', '.join(map(str, self.pids))}; /proc, 10 ms ticks); {self.syncs / posts:.2f} WAL flushes per "
              f"post (the whole server's: meaningful on a server of its own)")
        if not self.rows:
            return
        print(f"pg_stat_statements over the {posts} posts, per post: calls, plan+exec ms, exec ms, buffers hit, "
              f"WAL bytes")
        total = [0.0] * 5
        for calls, both, execute, hit, wal, query in self.rows:
            figures = (calls / posts, both / posts, execute / posts, hit / posts, float(wal) / posts)
            total = [a + b for a, b in zip(total, figures)]
            print(f"  {figures[0]:5.2f} {figures[1]:7.4f} {figures[2]:7.4f} {figures[3]:6.1f} {figures[4]:7.0f}  "
                  + " ".join(query.split())[:150])
        print(f"  {total[0]:5.2f} {total[1]:7.4f} {total[2]:7.4f} {total[3]:6.1f} {total[4]:7.0f}  (all)")


def floor_flask(messages: int) -> Run:
    """A bare Flask app answering a JSON POST with a small JSON body: the framework's floor per request."""
    from flask import Flask, jsonify, request

    bare = Flask("floor")

    @bare.post("/messages")
    def post():  # noqa: ANN202
        data = request.get_json()
        return jsonify(message={"id": 1, "body": data["body"]}), 201

    client = bare.test_client()

    def one(n: int) -> None:
        assert client.post("/messages", headers={"Authorization": "Bearer x"},
                           json={"body": f"Message {n}"}).status_code == 201

    for n in range(50):
        one(n)
    return Run("floor: bare Flask JSON POST").measure(one, messages).count_calls(one)


def floor_commit(app, messages: int, postgres: bool) -> Run:
    """One INSERT and its COMMIT on the platform's database: the storage's floor per stored message."""
    from kernel.db import database, write_transaction
    from kernel.statements import execute

    with app.app_context():
        key = "SERIAL" if postgres else "INTEGER"
        database.obj.execute_sql(f'CREATE TABLE "bench_floor" ("id" {key} PRIMARY KEY, "body" TEXT)')

        def one(n: int) -> None:
            with write_transaction():
                execute('INSERT INTO "bench_floor" ("body") VALUES (?)', (f"Message {n}",))

        for n in range(50):
            one(n)
        run = Run("floor: one INSERT + COMMIT, same database").measure(one, messages)
        database.obj.execute_sql('DROP TABLE "bench_floor"')
    return run


def concurrent(app, tokens: list[str], exchange_ids: list[int], messages: int) -> tuple[float, float, list[float]]:
    """``len(exchange_ids)`` threads posting at once, each into its own conversation: (msg/s, CPU ms/msg, times)."""
    per_thread = messages // len(exchange_ids)
    times: list[float] = []
    barrier = threading.Barrier(len(exchange_ids) + 1)

    def worker(exchange_id: int) -> None:
        client = app.test_client()
        headers = {"Authorization": f"Bearer {tokens[0]}"}
        url = f"/api/v1/exchanges/{exchange_id}/messages"
        mine = []
        barrier.wait()
        for n in range(per_thread):
            t = time.perf_counter()
            r = client.post(url, headers=headers, json={"body": f"Message {n}"})
            mine.append(time.perf_counter() - t)
            assert r.status_code == 201, r.get_data(as_text=True)
        times.extend(mine)

    threads = [threading.Thread(target=worker, args=(e,)) for e in exchange_ids]
    for t in threads:
        t.start()
    barrier.wait()
    cpu, wall = time.process_time(), time.perf_counter()
    for t in threads:
        t.join()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    total = per_thread * len(exchange_ids)
    return total / wall, cpu / total * 1000, times


def drop(schema) -> None:  # noqa: ANN001
    """Drop the run's schema, waiting a little for a connection when the server has none left (a shared machine)."""
    for attempt in range(10):
        try:
            schema.drop()
            return
        except Exception:  # noqa: BLE001 - "too many clients": try again
            if attempt == 9:
                print(f"could not drop schema {schema.name}: drop it by hand", file=sys.stderr)
                raise
            time.sleep(3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--members", type=int, default=10)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--threads", type=int, default=0,
                        help="also post from this many threads at once, each into its own conversation")
    parser.add_argument("--profile", action="store_true", help="print a pyinstrument profile of the posts (wall time)")
    parser.add_argument("--cpu-profile", action="store_true",
                        help="print cProfile's functions by CPU time of their own (process time, not wall)")
    parser.add_argument("--idempotency", action="store_true", help="each post carries an Idempotency-Key")
    parser.add_argument("--show-statements", action="store_true",
                        help="print the round trips (SQLite: statements) of one post")
    parser.add_argument("--notify", action="store_true",
                        help="PostgreSQL: live events through LISTEN/NOTIFY (event_backend = \"postgres\", as a "
                             "node with several workers runs), with this process listening")
    parser.add_argument("--pg-statements", action="store_true",
                        help="PostgreSQL: pg_stat_statements' figures of the posts (the extension must be loaded)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)

    from conversation_ws import Schema  # the same throwaway PostgreSQL schema as the websocket bench

    schema = Schema(args.database_url) if args.database_url else None
    config = {"data_dir": tempfile.mkdtemp(prefix="relais-bench-send-"), "plugins": ["conversation"],
              "log_level": "ERROR"}
    if schema is not None:
        config["database_url"] = schema.database_url()
        if args.notify:
            config["event_backend"] = "postgres"
    engine = "SQLite" if schema is None else "PostgreSQL"
    before = load_average()
    try:
        app, tokens, exchange_ids = setup(config, args.members, 1 + args.threads)
        client = app.test_client()
        headers = {"Authorization": f"Bearer {tokens[0]}"}
        url = f"/api/v1/exchanges/{exchange_ids[0]}/messages"

        def post(n: int) -> None:
            if args.idempotency:
                headers["Idempotency-Key"] = f"k-{n}"
            r = client.post(url, headers=headers, json={"body": f"Message {n}"})
            assert r.status_code == 201, r.get_data(as_text=True)

        if args.notify:  # a socket of nobody's: the listener runs, and hears every NOTIFY (its own, skipped)
            app.extensions["relais"].events.subscribe(0)
        for n in range(50):  # warm-up: caches, pooled connections, the token's "last used" stamp
            post(-1 - n)
        pg = PostgresSide(app, args.pg_statements) if schema is not None else None
        if pg is not None:
            pg.start()
        profiler = None
        if args.profile:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0002)
            profiler.start()
        cprofile = None
        if args.cpu_profile:
            import cProfile

            cprofile = cProfile.Profile(time.process_time)
            cprofile.enable()
        send = Run("POST /api/v1/exchanges/<id>/messages").measure(post, args.messages)
        if pg is not None:
            pg.stop()
        if cprofile is not None:
            import pstats

            cprofile.disable()
            pstats.Stats(cprofile).sort_stats("tottime").print_stats(45)
            pstats.Stats(cprofile).sort_stats("cumulative").print_stats(70)
        if profiler is not None:
            profiler.stop()
            print(profiler.output_text(unicode=True, color=False, show_all=False))
        send.count_calls(post)
        trips = statements_per_post(app, post, schema is not None, show=args.show_statements)
        flask_floor = floor_flask(args.messages)
        commit_floor = floor_commit(app, args.messages, schema is not None)
        together = concurrent(app, tokens, exchange_ids[1:], args.messages) if args.threads else None
        app.extensions["relais"].database.close_all()
    finally:
        if schema is not None:
            drop(schema)
    print(f"\nThe send path in process ({engine}, {args.members} members, {args.messages} posts, one thread; "
          f"load average {before} before, {load_average()} after: the machine may be shared)")
    print(f"{'':<44}{'CPU ms':>9}{'wall ms':>9}{'p50 ms':>9}{'p99 ms':>9}{'msg/s':>9}{'calls':>9}")
    for run in (send, flask_floor, commit_floor):
        print(run.row())
    print(f"{'round trips' if schema is not None else 'statements'} per post: {trips:.1f}"
          + (" (the pool's ping, BEGIN and COMMIT included)" if schema is not None else ""))
    n = len(send.times)
    if pg is not None:
        pg.report(n)
    above = (send.cpu - flask_floor.cpu - commit_floor.cpu) / n * 1000
    print(f"the send above both floors: {above:.3f} ms CPU per message; "
          f"{(send.wall - flask_floor.wall - commit_floor.wall) / n * 1000:.3f} ms wall")
    if together is not None:
        rate, cpu_ms, times = together
        q = statistics.quantiles(times, n=100)
        print(f"{args.threads} threads at once, each into its own conversation: {rate:.0f} messages/s, "
              f"{cpu_ms:.3f} ms CPU per message, p50 {q[49] * 1000:.3f} ms, p99 {q[98] * 1000:.3f} ms per post")


if __name__ == "__main__":
    main()
