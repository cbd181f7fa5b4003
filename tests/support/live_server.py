"""A real HTTP server around a Flask app, in a daemon thread, for browser tests (websockets included)."""
from __future__ import annotations

import json
import threading
from typing import Any

from werkzeug.serving import make_server


class LiveServer:
    """``with LiveServer(app) as base_url: ...`` or ``start()`` / ``stop()``.

    Threaded, so a long-lived websocket does not block the pages' other requests.
    """

    def __init__(self, app: Any, host: str = "127.0.0.1") -> None:
        self.app = app
        self.host = host
        self._server = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the live server is not started")
        return f"http://{self.host}:{self._server.server_port}"

    def start(self) -> str:
        self._server = make_server(self.host, 0, self.app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, name="live-server", daemon=True)
        self._thread.start()
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def next_event(ws: Any, kind: str, timeout: float = 5.0) -> dict:
    """The next live event of type ``kind`` on a simple_websocket client, skipping others."""
    while True:
        raw = ws.receive(timeout=timeout)
        assert raw is not None, f"no {kind} event within {timeout}s"
        event = json.loads(raw)
        if event["type"] == kind:
            return event
