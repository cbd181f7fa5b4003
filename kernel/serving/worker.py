"""The gunicorn worker of ``relais serve``: gunicorn's gevent worker, which on SIGTERM also sends its sockets to
another node (close 1012) and says it is no longer ready, then lets gunicorn finish the requests in flight
within ``graceful_timeout``. A socket would otherwise hold its greenlet until the timeout, then be cut (1006),
and its page would back off instead of coming back at once."""
from __future__ import annotations

from typing import Any

import gevent
from gunicorn.workers.ggevent import GeventWorker

from ..health import stopping
from ..live_socket import restart_sockets
from . import gc_settle, response


class RelaisWorker(GeventWorker):
    def init_process(self) -> None:
        response.install()  # an answer's head and body in one write (kernel/serving/response.py)
        super().init_process()

    def run(self) -> None:
        gevent.spawn(gc_settle.run_forever)  # short full collections with thousands of sockets
        super().run()

    def handle_exit(self, sig: int, frame: Any) -> None:  # SIGTERM: graceful
        super().handle_exit(sig, frame)
        gevent.spawn(_let_sockets_go)  # out of the signal handler, as gunicorn does for SIGQUIT

    def handle_quit(self, sig: int, frame: Any) -> None:  # SIGINT, SIGQUIT: quick, but still a clean close
        gevent.spawn(_let_sockets_go)
        super().handle_quit(sig, frame)


def _let_sockets_go() -> None:
    # First the flag: a socket opening from now on is sent away at once (kernel/ws.py), /readyz says 503.
    stopping.set()
    restart_sockets()
