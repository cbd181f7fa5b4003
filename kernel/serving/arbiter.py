"""``relais serve`` on gunicorn: the process layout, and the gunicorn application driven from Python.

One node is:

* the arbiter (this module, run by ``relais serve`` through exec, kernel/serving/launch.py): gunicorn's master.
  It holds the listening socket the command bound, forks the workers and replaces any that dies;
* N workers (``--workers``, the ``workers`` setting; 1 by default): each a gevent event loop holding thousands
  of sockets and requests, each with its own app, built after the fork (no preload: nothing made before a
  fork, database connections or background greenlets, is shared by two processes);
* one side process (kernel/serving/node.py): the job runner and the plugins' services, started by the arbiter
  once it listens and stopped after the workers.

Why a side process, rather than the runner in a worker holding a node-local lock: a service such as the SMTP
receiver binds a port and must run exactly once, and a worker is replaced at any time (a crash, a timeout), so
the lock would change hands with the service half started; the arbiter, which outlives the workers, owns the
side process instead and starts it again if it dies. And the jobs (mail over SMTP, PDF rendering) are
blocking, CPU-heavy work written for threads, which would stall the sockets of a gevent worker.

Everything here runs gevent-patched from the first line (kernel/serving/launch.py's BOOT): peewee's connection
state, made per thread with ``threading.local``, is then per greenlet, so every request has its own connection
and two greenlets are never inside one connection's transaction; psycopg2 is made cooperative (psycogreen).
SQLite calls are not cooperative: a query blocks the worker's event loop while it runs (microseconds to a few
milliseconds on the send path); writes take the gate of kernel/db.py so that a greenlet waiting for SQLite's
write lock never blocks the loop that must let the lock's holder finish. Several workers need PostgreSQL: the
in-process event bus cannot reach another worker's sockets.
"""
from __future__ import annotations

import logging
import math
import os
import resource
import shutil
import subprocess
import sys
import time
from typing import Any

import gevent
from gunicorn import glogging
from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter

from ..commands.common import effective_config
from . import relay, wake
from .plan import RELAY_FD_ENV, WAKE_FD_ENV, Plan

log = logging.getLogger(__name__)
# A side process that dies is started again, but not in a tight loop when it cannot start at all.
SIDE_RESTART_SECONDS = 2.0
# Descriptors a worker needs besides its sockets: database connections, listening socket, logs, metrics files.
FD_MARGIN = 1000


def check_fd_limit(max_sockets: int) -> None:
    """Say so when a worker could not hold ``ws_max_per_node`` sockets: each is a descriptor, and the open-file
    limit (raised to the hard limit by the command, kernel/serving/limits.py) is per process."""
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if soft != resource.RLIM_INFINITY and soft < max_sockets + FD_MARGIN:
        log.warning("open-file limit %s per process: a worker takes about %s sockets, not ws_max_per_node = %s; "
                    "raise the hard limit (LimitNOFILE, ulimit -Hn) or add workers (--workers, PostgreSQL)",
                    soft, max(soft - FD_MARGIN, 0), max_sockets)


class RelaisLogger(glogging.Logger):
    """gunicorn's messages go through the process's logging (kernel/commands/logs.py), at its level, with its
    format; its access log stays off: the app writes the one access line (kernel/serving/access.py)."""

    def setup(self, cfg: Any) -> None:
        self.cfg = cfg
        self._access_log_enabled = False
        self.loglevel = logging.getLogger().getEffectiveLevel()
        for logger in (self.error_log, self.access_log):
            for handler in list(logger.handlers):
                logger.removeHandler(handler)
        self.error_log.setLevel(logging.NOTSET)
        self.error_log.propagate = True

    def access(self, resp: Any, req: Any, environ: Any, request_time: Any) -> None:
        pass


class SideProcess:
    """The node's side process, seen from the arbiter."""

    def __init__(self, receive_fd: int, relay_fd: int | None = None) -> None:
        self.receive_fd = receive_fd
        self.relay_fd = relay_fd  # where it forwards live events to the worker (the local bus only)
        self.proc: subprocess.Popen | None = None
        self.stopping = False
        self.owner = os.getpid()  # the arbiter: a forked worker inherits this object, and must not act on it

    def start(self) -> None:
        env = {**os.environ, WAKE_FD_ENV: str(self.receive_fd)}
        fds = [self.receive_fd]
        if self.relay_fd is not None:
            env[RELAY_FD_ENV] = str(self.relay_fd)
            fds.append(self.relay_fd)
        self.proc = subprocess.Popen([sys.executable, "-m", "kernel.serving.node"], env=env, pass_fds=tuple(fds))
        log.info("side process (jobs, services) started: pid %s", self.proc.pid)

    def alive(self) -> bool:
        # gunicorn's SIGCHLD handler reaps every child, ours included: ask the system, not Popen.
        if self.proc is None:
            return False
        try:
            pid, _ = os.waitpid(self.proc.pid, os.WNOHANG)
        except ChildProcessError:
            return False  # reaped already
        return pid == 0

    def watch(self) -> None:
        """A greenlet of the arbiter: start the side process again whenever it dies."""
        while not self.stopping and os.getpid() == self.owner:
            gevent.sleep(SIDE_RESTART_SECONDS)
            if os.getpid() != self.owner:
                return  # this greenlet was copied into a worker by its fork: the arbiter's own copy watches
            if not self.stopping and not self.alive():
                log.error("side process (jobs, services) ended: started again")
                self.start()

    def ask_to_stop(self) -> None:
        if self.stopping:
            return
        self.stopping = True
        if os.getpid() == self.owner and self.proc is not None and self.alive():
            try:
                self.proc.terminate()  # its jobs in progress finish first (kernel/serving/node.py)
            except ProcessLookupError:
                pass  # ended (and reaped by gunicorn) between the look and the signal

    def stop(self, timeout: float) -> None:
        self.ask_to_stop()
        if os.getpid() != self.owner or self.proc is None or not self.alive():
            return
        deadline = time.monotonic() + timeout
        while self.alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        if self.alive():
            log.warning("side process still running after %.0f s: killed", timeout)
            try:
                self.proc.kill()
            except ProcessLookupError:
                pass


class RelaisArbiter(Arbiter):
    def stop(self, graceful: bool = True) -> None:
        # The side process stops beside the workers, not after them: the node is gone within one
        # graceful_timeout. A job a request enqueues meanwhile is persisted; a runner of another node, or of
        # this one restarted, runs it.
        self.app.side.ask_to_stop()
        super().stop(graceful)


class RelaisApplication(BaseApplication):
    def __init__(self, plan: Plan, config: Any) -> None:
        self.plan, self.config = plan, config
        self.wake_send, self.wake_receive = wake.channel()
        # With the in-process bus, the events the side process publishes reach the worker's sockets through
        # this channel; PostgreSQL's NOTIFY carries them otherwise (kernel/serving/relay.py).
        self.relay_send, self.relay_receive = relay.channel() if config["event_backend"] == "local" else (None, None)
        self.side = SideProcess(self.wake_receive.fileno(),
                                self.relay_send.fileno() if self.relay_send is not None else None)
        super().__init__()

    def load_config(self) -> None:
        check_fd_limit(int(self.config["ws_max_per_node"]))
        settings = {
            "bind": [f"fd://{self.plan.fd}"],
            "workers": self.plan.workers,
            "worker_class": "kernel.serving.worker.RelaisWorker",
            # Each socket is a greenlet of the pool: room for the sockets the node accepts (beyond, they
            # are refused politely with 1013, kernel/ws.py) and for the requests beside them.
            "worker_connections": int(self.config["ws_max_per_node"]) + 1000,
            "graceful_timeout": math.ceil(float(self.config["graceful_timeout"])),  # gunicorn counts whole seconds
            "timeout": 60,
            "keepalive": 5,
            "proc_name": "relais",
            "logger_class": RelaisLogger,
            "accesslog": None,
            # gunicorn's control socket sits at one path per user: two nodes on a machine would fight for it,
            # and nothing of Relais uses it.
            "control_socket_disable": True,
            "when_ready": self.when_ready,
            "post_fork": self.post_fork,
            "child_exit": self.child_exit,
            "on_exit": self.on_exit,
        }
        for key, value in settings.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        """In each worker, after the fork: the worker's own app."""
        from ..app import create_app

        app = create_app(self.config, migrate=False)  # the command migrated before starting the node
        relais = app.extensions["relais"]
        relais.jobs.wake = wake.waker(self.wake_send)  # the runner is the side process's
        if self.relay_receive is not None:
            relay.listen(self.relay_receive, relais.events)
        return app

    def run(self) -> None:
        try:
            RelaisArbiter(self).run()
        except RuntimeError as exc:
            print(f"\nErreur : {exc}\n", file=sys.stderr, flush=True)
            sys.exit(1)

    # --- gunicorn's hooks ------------------------------------------------------------------------------
    def when_ready(self, server: Any) -> None:
        self.side.start()
        gevent.spawn(self.side.watch)
        for line in self.plan.announce:
            print(line, flush=True)

    def post_fork(self, server: Any, worker: Any) -> None:
        self.wake_receive.close()  # the side process's end: a worker only sends
        if self.relay_send is not None:
            self.relay_send.close()  # the side process's end: a worker only receives

    def child_exit(self, server: Any, worker: Any) -> None:
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            from prometheus_client import multiprocess

            multiprocess.mark_process_dead(worker.pid)  # its live gauges (sockets open) no longer count

    def on_exit(self, server: Any) -> None:
        self.side.stop(float(self.config["graceful_timeout"]))
        metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
        if metrics_dir and os.environ.get("SERVING_RELAIS_OWNS_METRICS_DIR") == metrics_dir:
            shutil.rmtree(metrics_dir, ignore_errors=True)
        print("Relais Santé est arrêté.", flush=True)


def main() -> None:
    plan = Plan.from_env()  # left in the environment: the side process reads it too
    config = effective_config(**plan.overrides)
    RelaisApplication(plan, config).run()
