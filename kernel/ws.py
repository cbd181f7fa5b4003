"""``WS /ws``: live events pushed to the signed-in account, for the exchanges it may see only; messages the page
sends up go to the plugins' ``socket_message`` hook (kernel/live_socket.py)."""
from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Flask, g, request
from flask_sock import Sock

from .ws_upgrade import EndAfterWebsocket
from .auth import credential
from .green import is_green
from .health import stopping
from .live_socket import POLICY, RESTART_MESSAGE, SERVICE_RESTART, TRY_AGAIN_LATER, Inbox, LiveSocket
from .relais import current_relais
from .services.events import TooManySockets

log = logging.getLogger(__name__)


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin_of(url: str) -> tuple[str, str, int | None] | None:
    """(scheme, host, port) with the scheme's default port filled in; None if it is no web origin."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a port that is no number, or out of range
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme]


def _same_origin() -> bool:
    # A cookie-authenticated socket opened by another site's page would read the user's events. Scheme,
    # host and port are all compared: another port of the same host is another site (another program
    # may listen there), and an http page must not ride on an https session. Behind a proxy, the scheme
    # and host are the forwarded ones (ProxyFix, the proxy_count setting); with behind_tls only https.
    origin = request.headers.get("Origin")
    if origin is None or g.get("auth") == "token":
        return True
    scheme = "https" if current_relais().config["behind_tls"] else request.scheme
    if scheme == "wss":
        scheme = "https"
    elif scheme == "ws":
        scheme = "http"
    ours = _origin_of(f"{scheme}://{request.host}")
    return ours is not None and _origin_of(origin) == ours


def _let_go(ws) -> None:  # type: ignore[no-untyped-def]
    """Drop what a finished socket held. flask-sock makes a class per socket whose method keeps ``ws`` in a
    closure: a reference cycle, so everything reachable from ``ws`` (wsproto's state, the request, its environ,
    the subscription: about 70 objects) waited for a full collection, and in a worker whose live objects are
    frozen (kernel/serving/gc_settle.py) for the next thaw. Let go here, it is freed at once; and the environ
    and werkzeug's request refer to each other, a cycle of their own."""
    if ws.connected:  # not closed by the socket's loop (an error on the way): closed before its socket goes
        try:
            ws.close()
        except Exception:  # the client went first
            pass
    environ = ws.environ
    for name in ("sock", "ws", "environ", "event", "thread", "input_buffer", "incoming_message"):
        setattr(ws, name, None)  # flask-sock reads only ``connected`` and ``mode`` from now on
    if environ is not None:
        environ.pop("werkzeug.request", None)


def init_ws(app: Flask) -> None:
    config = app.extensions["relais"].config
    # simple-websocket reads every socket in a thread of its own: it answers pings, honours a close and
    # closes with 1009 a frame larger than the limit, before buffering it whole. Its own pings are off (a
    # selector and a timer per socket): the process's keeper pings every socket instead, and lets go of a
    # client that did not answer the previous ping (kernel/live_socket.py).
    options: dict = {"ping_interval": None, "max_message_size": config["ws_max_message_bytes"]}
    if is_green():  # under gevent, no greenlet per socket for its reading (kernel/serving/green_reader.py)
        from .serving.green_reader import WatchedReader

        options["thread_class"] = WatchedReader
    app.config.setdefault("SOCK_SERVER_OPTIONS", options)
    sock = Sock(app)

    @app.before_request
    def _release_connection_before_handshake() -> None:
        # Registered after the authentication hook (kernel/auth), which has found the account by now: the
        # handshake's answer is written next, and under gevent a greenlet waiting on a slow client would hold
        # a pooled connection meanwhile; a burst of reconnections (a node restarting) would empty the pool.
        if request.endpoint == "live_events":
            # No compression offered (simple-websocket would accept a browser's permessage-deflate): events are
            # small JSON, and a compressed frame is encoded once per socket, in its own zlib context (tens of kB
            # each), where a plain one is built once per event for all its sockets (kernel/ws_frames.py).
            request.environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
            database = current_relais().database
            if not database.is_closed():
                database.close()
    app.wsgi_app = EndAfterWebsocket(app.wsgi_app)  # type: ignore[method-assign]

    @sock.route("/ws")
    def live_events(ws) -> None:  # type: ignore[no-untyped-def]
        try:
            _live_events(ws)
        finally:
            stop_reading = getattr(ws.thread, "stop", None)  # the green reader's watcher, before the server
            if stop_reading is not None:  # closes the connection's socket
                stop_reading()
                _let_go(ws)  # no reading thread of simple-websocket's uses ``ws`` any more

    def _live_events(ws) -> None:  # type: ignore[no-untyped-def]
        account = g.get("account")
        if account is None or not _same_origin():
            ws.close(reason=POLICY, message="Connectez-vous pour recevoir les événements.")
            return
        if stopping.is_set():  # this node is on its way out: the page goes to another one at once
            ws.close(reason=SERVICE_RESTART, message=RESTART_MESSAGE)
            return
        relais = current_relais()
        inbox = Inbox.install(ws)
        # The request's database connection is not needed while the socket lives.
        if not relais.database.is_closed():
            relais.database.close()
        try:
            subscription = relais.events.subscribe(account.id, credential(),
                                                   max_per_account=relais.config["ws_max_per_account"],
                                                   max_per_node=relais.config["ws_max_per_node"])
        except TooManySockets as exc:
            ws.close(reason=TRY_AGAIN_LATER, message=exc.message)
            return
        metrics = getattr(relais, "metrics", None)
        if metrics is not None:
            metrics.sockets_open.inc()
        try:
            LiveSocket(ws, inbox, subscription, relais, account).run()
        except Exception as exc:  # the client went away: nothing to report
            log.debug("websocket of account %s closed: %s", account.id, exc)
        finally:
            relais.events.unsubscribe(subscription)
            if metrics is not None:
                metrics.sockets_open.dec()
