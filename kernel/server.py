"""Run the platform in one process: the web app, the job runner and any side services, stopped cleanly."""
from __future__ import annotations

import logging
import signal
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Protocol

from flask import Flask
from werkzeug.serving import LISTEN_QUEUE, BaseWSGIServer, WSGIRequestHandler, make_server

from .live_socket import open_sockets, restart_sockets

log = logging.getLogger(__name__)
# How often the main thread looks whether a stop was asked for (the longest wait after Ctrl+C).
_POLL_SECONDS = 0.2
# How long a stop waits for the open sockets to send their 1012 close (each does it from its own thread).
_SOCKETS_CLOSE_SECONDS = 2.0


class KeepAliveHandler(WSGIRequestHandler):
    """HTTP/1.1: a browser's requests reuse one connection instead of paying a TCP set-up each."""

    protocol_version = "HTTP/1.1"

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        # werkzeug's own line per request ignored the log_level setting; the app writes one, when the
        # access_log setting asks for it, through the process's logging (kernel/serving/access.py).
        pass


class Service(Protocol):
    """Something that runs beside the web app for the platform's lifetime (e.g. the MSSanté SMTP
    receiver). ``start`` must return once it runs in the background; ``stop`` must not raise."""

    name: str

    def start(self) -> None: ...

    def stop(self) -> None: ...


@dataclass
class RunningPlatform:
    """What ``ready_callback`` receives once every component runs: the bound address and a way to stop."""

    host: str
    port: int
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def url(self) -> str:
        # A wildcard address cannot be browsed to; the loopback name of the same family can.
        host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(self.host, self.host)
        return f"http://[{host}]:{self.port}/" if ":" in host else f"http://{host}:{self.port}/"

    def stop(self) -> None:
        """Ask the platform to stop; safe from any thread (tests run the platform in a thread)."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()


def run_platform(app: Flask, host: str, port: int,
                 ready_callback: Callable[[RunningPlatform], Any] | None = None,
                 services: Iterable[Service] | None = None) -> None:
    """Serve ``app`` on ``host:port`` (0: any free port) with its job runner and ``services`` until
    SIGINT/SIGTERM (when run in the main thread) or ``RunningPlatform.stop()``; then stop everything.

    Binding happens first, so a port already in use raises ``OSError`` before anything else started.
    ``services`` (by default those the plugins registered) start in order, in an app context, before
    the job runner, and stop in reverse order after the web server.
    """
    if services is None:
        services = list(app.extensions["relais"].services)
    listener = listen(host, port)
    try:
        # werkzeug given our socket: binding errors stay ours to report (it would print English and exit).
        server = make_server(host, listener.getsockname()[1], app, threaded=True, fd=listener.fileno(),
                             request_handler=KeepAliveHandler)
    finally:
        listener.close()  # make_server works on a duplicate of the descriptor
    platform = RunningPlatform(host=host, port=server.port)
    started: list[Service] = []
    jobs = app.extensions["relais"].jobs
    previous_handlers = _install_signal_handlers(platform)
    serving = threading.Thread(target=server.serve_forever, name="relais-http", daemon=True)
    try:
        start_services(app, services, started)
        jobs.start()
        serving.start()
        log.info("platform listening on %s", platform.url)
        if ready_callback is not None:
            ready_callback(platform)
        while not platform.stopping:
            # A sleep, not Event.wait: a signal handler that takes the event's lock while the main
            # thread holds it inside wait() would deadlock; sleep holds no lock.
            time.sleep(_POLL_SECONDS)
    finally:
        _restore_signal_handlers(previous_handlers)
        _shutdown(app, server, serving, jobs, started)


def start_services(app: Flask, services: Iterable[Service], started: list[Service]) -> None:
    """Start ``services`` in order, each in an app context, appending each to ``started`` once it runs (so
    that the caller stops exactly those if a later one fails)."""
    for service in services:
        with app.app_context():
            service.start()
        started.append(service)


def stop_services(started: list[Service]) -> None:
    """Stop ``started`` in reverse order; one failing to stop does not keep the others running."""
    for service in reversed(started):
        try:
            service.stop()
        except Exception:
            log.exception("service %s did not stop cleanly", getattr(service, "name", service))


def run_side_services(app: Flask, services: Iterable[Service], should_stop: Callable[[], bool]) -> None:
    """The job runner and ``services`` without a web server, until ``should_stop()``: the node's side process
    under gunicorn (kernel/serving/node.py). Jobs in progress finish before it returns."""
    started: list[Service] = []
    jobs = app.extensions["relais"].jobs
    try:
        start_services(app, services, started)
        jobs.start()
        while not should_stop():
            time.sleep(_POLL_SECONDS)
    finally:
        stop_services(started)
        jobs.shutdown(wait=True)


def listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port``; raises OSError (``socket.gaierror`` for an unknown host)."""
    family, kind, proto, _, address = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM,
                                                         flags=socket.AI_PASSIVE)[0]
    sock = socket.socket(family, kind, proto)
    try:
        # As every HTTP server does: a restart must not wait for the old connections' TIME_WAIT.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Inherited by accepted connections: werkzeug writes headers and body separately, and Nagle's
        # algorithm would hold the body back until the client acknowledges the headers.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind(address)
        sock.listen(LISTEN_QUEUE)
    except BaseException:
        sock.close()
        raise
    return sock


def _shutdown(app: Flask, server: BaseWSGIServer, serving: threading.Thread, jobs: Any,
              started: list[Service]) -> None:
    log.info("platform stopping")
    if serving.is_alive():
        server.shutdown()  # stop accepting requests first, so nothing new reaches a stopped service
        # shutdown() returns once the loop stopped, before werkzeug's serve_forever closes the listening
        # socket in its own finally; without this wait the platform could return with the port still bound.
        serving.join()
    # Open sockets go (1012) to whichever node answers, rather than dying with the process (1006, backoff).
    relais = app.extensions["relais"]
    if restart_sockets(relais):
        deadline = time.monotonic() + _SOCKETS_CLOSE_SECONDS  # each closes from its own thread, at once
        while open_sockets(relais) and time.monotonic() < deadline:
            time.sleep(0.02)
    stop_services(started)
    # Let a job in progress finish: jobs are idempotent, but a finished one is not re-run for nothing.
    jobs.shutdown(wait=True)
    # Request threads are daemons (a websocket may stay open for hours); they end with the process.
    server.server_close()
    log.info("platform stopped")


Handlers = dict[int, Any]


def _install_signal_handlers(platform: RunningPlatform) -> Handlers:
    if threading.current_thread() is not threading.main_thread():
        return {}  # signals are only delivered to the main thread; tests stop through platform.stop()
    previous: Handlers = {}

    def ask_to_stop(signum: int, frame: Any) -> None:
        # Back to the previous handlers: a second Ctrl+C during a stuck shutdown ends the process.
        _restore_signal_handlers(previous)
        platform.stop()

    for signum in (signal.SIGINT, signal.SIGTERM):
        previous[signum] = signal.signal(signum, ask_to_stop)
    return previous


def _restore_signal_handlers(previous: Handlers) -> None:
    for signum, handler in previous.items():
        signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
