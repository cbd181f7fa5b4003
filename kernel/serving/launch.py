"""From ``relais serve`` to the gunicorn arbiter: the command has migrated the database and bound the port (its
errors stay French and its own); it then replaces itself (exec, same process id: a supervisor's SIGTERM reaches
the arbiter) with a fresh interpreter that patches the standard library for gevent before importing anything
else. Patching later would be too late: peewee, imported by the command, keeps its connections per OS thread,
and every greenlet of a worker would share one connection.
"""
from __future__ import annotations

import os
import socket
import sys
import tempfile

from .plan import ENV, Plan

# The arbiter's first lines: gevent's patches, psycopg2 made cooperative, then the kernel. Not os, signal and
# subprocess: gevent would reap the arbiter's children itself, and gunicorn, which reaps its workers on SIGCHLD,
# would wait for dead workers until graceful_timeout ran out. Each worker patches those too (gunicorn's gevent
# worker patches everything after its fork), where no child of its own is reaped.
BOOT = ("from gevent import monkey; monkey.patch_all(os=False, signal=False, subprocess=False)\n"
        "from psycogreen.gevent import patch_psycopg; patch_psycopg()\n"
        "from kernel.serving.arbiter import main; main()\n")


def exec_arbiter(listener: socket.socket, plan: Plan) -> None:
    """Replace this process with the arbiter serving on ``listener``. Does not return."""
    os.set_inheritable(listener.fileno(), True)
    plan.fd = listener.fileno()
    env = {**os.environ, ENV: plan.dump()}
    if not env.get("PROMETHEUS_MULTIPROC_DIR"):
        # Every process of the node writes its counters there; one scrape adds them up (kernel/metrics.py).
        env["PROMETHEUS_MULTIPROC_DIR"] = env["SERVING_RELAIS_OWNS_METRICS_DIR"] = tempfile.mkdtemp(
            prefix="relais-metrics-")
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable, "-c", BOOT], env)
