"""A websocket client for the socket tests that never loses the server's first frame.

simple_websocket's client reads the handshake answer with one ``recv`` and takes only its first event; a
frame the server sent right behind the answer (our ``hello``) stays in wsproto's buffer until more data
comes, so the test would wait for it in vain. This client hands such frames over at once.
"""
from __future__ import annotations

from typing import Any

from support.browser_socket import BrowserSocket


class Socket(BrowserSocket):
    def handshake(self) -> None:
        super().handshake()
        self._handle_events()  # frames that came with the handshake's answer


def connect(url: str, headers: dict[str, str] | None = None) -> Any:
    """A ``/ws`` socket at ``url`` with ``headers`` (a bearer token, or a cookie and an Origin)."""
    return Socket.connect(url, headers=headers or {})


def browser(url: str, cookie: str, origin: str, cookie_name: str = "relais_session") -> Any:
    """A socket riding on a session cookie, from a page of ``origin``."""
    return connect(url, {"Cookie": f"{cookie_name}={cookie}", "Origin": origin})
