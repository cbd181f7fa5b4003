"""The database under gevent, as a ``relais serve`` worker runs it (gevent-patched before anything is imported):
each greenlet has its own connection, and on SQLite a greenlet that yields inside its transaction does not
stall the others (they wait for it cooperatively instead of inside SQLite, which would block the loop)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = r'''
from gevent import monkey; monkey.patch_all(os=False, signal=False, subprocess=False)
import json, sys, time
import gevent, peewee
from kernel import create_app
from kernel.db import write_transaction
from kernel.models import Job

app = create_app({"data_dir": sys.argv[1], "plugins": []})
database = app.extensions["relais"].database
seen, order = {}, []

def reader(name):
    with app.app_context():
        seen[name] = id(database.connection())
        gevent.sleep(0.1)  # both hold theirs at once
        database.close()

gevent.joinall([gevent.spawn(reader, "a"), gevent.spawn(reader, "b")], raise_error=True)

def writer(name, pause):
    with app.app_context():
        with write_transaction():
            Job.create(name=f"test.{name}", payload={})
            order.append(f"{name} in")
            gevent.sleep(pause)  # yields inside the transaction (network I/O would)
            order.append(f"{name} out")
        database.close()

began = time.monotonic()
gevent.joinall([gevent.spawn(writer, "a", 0.3), gevent.spawn(writer, "b", 0)], raise_error=True)
with app.app_context():
    rows = Job.select().where(Job.name.startswith("test.")).count()
print(json.dumps({"distinct": seen["a"] != seen["b"], "order": order, "rows": rows,
                  "seconds": time.monotonic() - began,
                  "greenlet_local": any(c.__module__.startswith("gevent") for c in type(database._state).__mro__)}))
'''


def test_greenlets_have_their_own_connections_and_wait_for_each_other_cooperatively(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], capture_output=True, text=True,
                          timeout=120, cwd=Path(__file__).parents[2])
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["greenlet_local"]  # peewee's per-thread state is per greenlet
    assert result["distinct"]  # two greenlets, two connections
    assert result["order"] == ["a in", "a out", "b in", "b out"]  # b waited for a's commit, in turn
    assert result["rows"] == 2
    assert result["seconds"] < 5  # not SQLite's busy_timeout (10 s) blocking the loop
