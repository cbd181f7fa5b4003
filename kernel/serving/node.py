"""The node's side process under gunicorn: the job runner and the plugins' services (the MSSanté SMTP receiver...),
once per node whatever the number of workers. A plain threaded interpreter (no gevent): the services were
written for threads (aiosmtpd's asyncio loop in a thread, blocking SMTP clients in jobs), and a job that keeps
a core busy does not stall thousands of sockets there. Started and stopped by the arbiter
(kernel/serving/arbiter.py); it stops on SIGTERM or SIGINT once the jobs in progress are done.
"""
from __future__ import annotations

import ctypes
import logging
import os
import signal
import socket
import threading
from typing import Any

from ..commands.common import effective_config, open_platform
from ..server import run_side_services
from . import relay, wake
from .plan import RELAY_FD_ENV, WAKE_FD_ENV, Plan

log = logging.getLogger(__name__)


def main() -> None:
    plan = Plan.from_env()
    stop = threading.Event()
    arbiter = os.getppid()

    def ask_to_stop(signum: int, frame: Any) -> None:
        log.info("side process stopping (signal %s)", signum)
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, ask_to_stop)
    _term_with_parent()
    config = effective_config(**plan.overrides)
    with open_platform(config) as app:
        relais = app.extensions["relais"]
        wake_fd = os.environ.get(WAKE_FD_ENV)
        if wake_fd:
            receive = socket.socket(fileno=int(wake_fd))
            wake.listen(receive, relais.jobs, stop.is_set)
        relay_fd = os.environ.get(RELAY_FD_ENV)
        if relay_fd:  # the in-process bus: what the jobs and services publish goes to the worker's sockets
            relais.events.forward_to(relay.forwarder(socket.socket(fileno=int(relay_fd))))
        # An arbiter killed outright (SIGKILL, a crash) cannot stop its side process: it stops itself when
        # it finds it has another parent, rather than running the node's jobs with no node.
        run_side_services(app, list(relais.services), lambda: stop.is_set() or os.getppid() != arbiter)
    log.info("side process stopped; threads left: %s", [t.name for t in threading.enumerate()])


def _term_with_parent() -> None:
    """Linux: SIGTERM when the arbiter dies, at once (the parent check of the loop is the fallback)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


_PR_SET_PDEATHSIG = 1

if __name__ == "__main__":
    main()
