"""Benchmark: the send path alone, in process (no HTTP server, no sockets): posting a message into a
10-member conversation through the API, as ``POST /api/v1/exchanges/<id>/messages`` runs it.

    python bench/send_path.py [--messages 2000] [--members 10] [--database-url postgresql://...]
                              [--profile] [--idempotency]

Reports CPU and wall time per message (the process's own CPU: what the server spends per send, minus
HTTP parsing and socket writes), and with ``--profile`` a pyinstrument profile of the whole run (the
hot spots of the send path). With ``--database-url`` the platform runs on a throwaway PostgreSQL schema.
"""
from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from kernel import create_app  # noqa: E402
from kernel.auth.passwords import hash_password  # noqa: E402
from kernel.auth.tokens import create_token  # noqa: E402
from kernel.models import Account, Identity  # noqa: E402


def setup(config: dict, members: int) -> tuple:
    app = create_app(config)
    with app.app_context():
        password = hash_password("bench")
        people = []
        for n in range(members + 1):
            identity = Identity.create(kind="person", display_name=f"Membre {n}")
            people.append(Account.create(login=f"m{n}", password_hash=password, first_name="Membre",
                                         last_name=str(n), identity=identity))
        tokens = [create_token(a, "bench")[1] for a in people]
        r = app.test_client().post(
            "/api/v1/channels/conversation/exchanges", headers={"Authorization": f"Bearer {tokens[0]}"},
            json={"acting_as": people[0].identity_id, "subject": "Banc d'essai",
                  "members": [p.identity_id for p in people[1:]]})
        exchange_id = r.json["exchange"]["id"]
    return app, tokens, exchange_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--members", type=int, default=10)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--profile", action="store_true", help="print a pyinstrument profile of the posts (wall time)")
    parser.add_argument("--cpu-profile", action="store_true",
                        help="print cProfile's functions by CPU time of their own (process time, not wall)")
    parser.add_argument("--idempotency", action="store_true", help="each post carries an Idempotency-Key")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)

    from conversation_ws import Schema  # the same throwaway PostgreSQL schema as the websocket bench

    schema = Schema(args.database_url) if args.database_url else None
    config = {"data_dir": tempfile.mkdtemp(prefix="relais-bench-send-"), "plugins": ["conversation"],
              "log_level": "ERROR"}
    if schema is not None:
        config["database_url"] = schema.database_url()
    try:
        app, tokens, exchange_id = setup(config, args.members)
        client = app.test_client()
        headers = {"Authorization": f"Bearer {tokens[0]}"}
        url = f"/api/v1/exchanges/{exchange_id}/messages"
        for n in range(50):  # warm-up: caches, pooled connections, the token's "last used" stamp
            client.post(url, headers=headers, json={"body": f"Échauffement {n}"})
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
        cpu, wall = time.process_time(), time.perf_counter()
        for n in range(args.messages):
            if args.idempotency:
                headers["Idempotency-Key"] = f"k-{n}"
            r = client.post(url, headers=headers, json={"body": f"Message {n}"})
            assert r.status_code == 201, r.get_data(as_text=True)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        if cprofile is not None:
            import pstats

            cprofile.disable()
            pstats.Stats(cprofile).sort_stats("tottime").print_stats(45)
            pstats.Stats(cprofile).sort_stats("cumulative").print_stats(70)
        if profiler is not None:
            profiler.stop()
            print(profiler.output_text(unicode=True, color=False, show_all=False))
        engine = "SQLite" if schema is None else "PostgreSQL"
        print(f"{engine}, {args.members} members, {args.messages} posts in process: "
              f"{cpu / args.messages * 1000:.3f} ms CPU, {wall / args.messages * 1000:.3f} ms wall per message "
              f"({args.messages / wall:.0f} messages/s on one thread)")
        app.extensions["relais"].database.close_all()
    finally:
        if schema is not None:
            schema.drop()


if __name__ == "__main__":
    main()
