"""A real HTTP server around an app, in a daemon thread, and websocket clients of its ``/ws``."""
from __future__ import annotations

import json
import ssl
import threading
from typing import Any

import simple_websocket
from werkzeug.serving import make_server

from ..in_flight import InFlight
from ..live_socket import restart_sockets

# How long a stop waits for the requests still being answered (their client may be gone: a closed page).
_IN_FLIGHT_SECONDS = 5.0


class LiveServer:
    """``with LiveServer(app) as base_url: ...`` or ``start()`` / ``stop()``.

    Threaded, so a long-lived websocket does not block the pages' other requests.
    """

    def __init__(self, app: Any, host: str = "127.0.0.1") -> None:
        self.app = app
        self.host = host
        self._server = None
        self._thread: threading.Thread | None = None
        self._in_flight: InFlight | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the live server is not started")
        return f"http://{self.host}:{self._server.server_port}"

    def start(self) -> str:
        self._in_flight = InFlight(self.app)
        self._server = make_server(self.host, 0, self._in_flight, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, name="live-server", daemon=True)
        self._thread.start()
        return self.url

    def stop(self) -> None:
        """Stop accepting, let the open live sockets go (1012), then wait for the requests still being answered:
        the app's database may be closed right after (a test's teardown), never under a running query."""
        if self._server is not None:
            self._server.shutdown()
            relais = self.app.extensions.get("relais")
            if relais is not None and self._in_flight is not None and self._in_flight.count:
                restart_sockets(relais)
                self._in_flight.wait(_IN_FLIGHT_SECONDS)
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


class SocketClient(simple_websocket.Client):
    """simple-websocket's client, opening its handshake as a browser does and losing no early frame.

    - ``Host`` carries the port (RFC 7230 5.4; simple-websocket leaves it out): the server compares a
      page's Origin with the host and port it was reached on.
    - A frame that came in the same read as the handshake's answer (the server's ``hello``, sent at
      once) is handed over at once: the library would leave it in its parser until more data comes,
      which may be the next ping, many seconds later.
    """

    def handshake(self) -> None:
        default = 443 if isinstance(self.sock, ssl.SSLSocket) else 80
        if self.port != default:
            self.host = f"{self.host}:{self.port}"
        super().handshake()
        if self.connected and not self._handle_events():
            # The server closed it at once (a refusal) and its close frame came with the answer: it is
            # reported as when it comes later, by receive() raising ConnectionClosed once the reading
            # thread has seen the connection end, never by the constructor (which would raise
            # ConnectionError on some runs and not others).
            self.connected = True


def connect_socket(url: str, headers: dict[str, str] | None = None) -> SocketClient:
    """A websocket to ``url`` (``ws://host:port/ws``) with ``headers`` (a bearer token, or a cookie and
    an Origin); raises ``simple_websocket.ConnectionError`` when the handshake is refused (a 401), and a
    socket the server closes at once raises ``ConnectionClosed`` on its first ``receive``."""
    return SocketClient.connect(url, headers=headers or {})


def next_event(ws: Any, kind: str, timeout: float = 5.0) -> dict:
    """The next live event of type ``kind`` on a simple_websocket client, skipping others."""
    while True:
        raw = ws.receive(timeout=timeout)
        assert raw is not None, f"no {kind} event within {timeout}s"
        event = json.loads(raw)
        if event["type"] == kind:
            return event


class LiveSocket:
    """A signed-in websocket on a live server's ``/ws``, as a page's ``live.js`` holds one.

    Connecting waits for the server's ``hello``, so an event published afterwards is never missed.
    """

    def __init__(self, base_url: str, headers: dict[str, str], timeout: float = 5.0) -> None:
        self.ws = connect_socket(base_url.replace("http://", "ws://", 1) + "/ws", headers)
        self.hello = next_event(self.ws, "hello", timeout)

    def next_event(self, kind: str, timeout: float = 5.0) -> dict:
        """The next event of type ``kind`` (``{"type", "exchange_id", "data", ...}``), skipping others;
        fails after ``timeout`` seconds without one."""
        return next_event(self.ws, kind, timeout)

    def assert_silent(self, timeout: float = 0.5) -> None:
        """Nothing at all arrives within ``timeout`` seconds (an outsider sees nothing)."""
        raw = self.ws.receive(timeout=timeout)
        assert raw is None, f"unexpected live event: {raw}"

    def close(self) -> None:
        try:
            self.ws.close()
        except simple_websocket.ConnectionClosed:
            pass
