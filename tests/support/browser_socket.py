"""A websocket client that opens its handshake as a browser does, for tests of the Origin check.

simple_websocket's client sends ``Host: 127.0.0.1`` without the port, which a browser never does on a
port other than the scheme's default (RFC 7230 5.4); the server compares the page's Origin to the host
and port it was reached on, so a test of that check needs the port in Host.
"""
from __future__ import annotations

import ssl
from typing import Any

import simple_websocket


class BrowserSocket(simple_websocket.Client):
    def handshake(self) -> None:
        default = 443 if isinstance(self.sock, ssl.SSLSocket) else 80
        if self.port != default:
            self.host = f"{self.host}:{self.port}"
        super().handshake()


def browser_socket(url: str, cookie: str, origin: str | None, headers: dict[str, str] | None = None,
                   cookie_name: str = "relais_session") -> Any:
    """A ``/ws`` socket riding on a session cookie, from a page of ``origin`` (None: no Origin header),
    with ``headers`` besides (those a reverse proxy adds, say)."""
    sent = {"Cookie": f"{cookie_name}={cookie}", **(headers or {})}
    if origin is not None:
        sent["Origin"] = origin
    return BrowserSocket.connect(url, headers=sent)
