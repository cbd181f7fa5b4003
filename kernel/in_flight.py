"""Requests still being answered by a threaded server, so that a stop can wait for them.

werkzeug's threaded server answers each request in a daemon thread and does not wait for them when it stops: a
stop that then closes the database (a test's teardown, the process's exit path) would pull the connection from
under a query still running in one of them (with SQLite, a crash of the whole process). ``InFlight`` wraps the
WSGI app, counts a request until its response is closed (Flask's teardown, which returns the connection, runs
then), and ``wait()`` lets a stop wait for the count to drop to zero, within a bound: a live socket's request
lasts as long as the socket, so a stop first tells the sockets to go (``restart_sockets``)."""
from __future__ import annotations

import threading
import time
from typing import Any, Iterable

from werkzeug.wsgi import ClosingIterator


class InFlight:
    def __init__(self, app: Any) -> None:
        self.app = app
        self._count = 0
        self._idle = threading.Condition()

    def __call__(self, environ: dict, start_response: Any) -> Iterable[bytes]:
        with self._idle:
            self._count += 1
        try:
            response = self.app(environ, start_response)
        except BaseException:
            self._done()
            raise
        return ClosingIterator(response, [self._done])

    def _done(self) -> None:
        with self._idle:
            self._count -= 1
            if not self._count:
                self._idle.notify_all()

    @property
    def count(self) -> int:
        return self._count

    def wait(self, timeout: float) -> bool:
        """Wait until no request is being answered (True), or ``timeout`` seconds (False)."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._idle.wait(remaining)
        return True
