"""Nothing after a websocket's close frame: werkzeug does not know simple-websocket took the connection over,
and writes flask-sock's empty HTTP answer after the close frame. Browsers then read those bytes as a broken
frame (« Invalid frame header ») and report close code 1006 instead of the server's 1008 or 1012, so a page
whose session ended never learnt it should go to the login page.
"""
from __future__ import annotations

import socket
from typing import Any, Callable, Iterable


class EndAfterWebsocket:
    """WSGI middleware: once an upgraded request's handler is done, the connection ends without an HTTP answer
    (werkzeug treats ConnectionAbortedError as a client gone away: nothing more written)."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("HTTP_UPGRADE", "").lower() != "websocket" or "werkzeug.socket" not in environ:
            return self.app(environ, start_response)
        statuses: list[str] = []

        def noting(status: str, *args: Any) -> Any:
            statuses.append(status)
            return start_response(status, *args)

        answer = self.app(environ, noting)
        # Refused before the handshake (a bad token: 401), the HTTP answer is the client's to read. A socket
        # route that ran had simple-websocket write the 101 itself; flask-sock then answers an empty 200.
        if not statuses or not statuses[0].startswith("200"):
            return answer
        close = getattr(answer, "close", None)
        if close is not None:
            close()
        # The close frame is sent: the connection ends here (a client that never answers it must not hold it).
        try:
            environ["werkzeug.socket"].shutdown(socket.SHUT_RDWR)
        except OSError:  # the client went first
            pass
        raise ConnectionAbortedError("websocket closed")
