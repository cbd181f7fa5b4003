"""A websocket client riding on a session cookie, as a page of the site opens one (the kit's client)."""
from __future__ import annotations

from typing import Any

from kernel.testing import SocketClient, connect_socket

BrowserSocket = SocketClient  # the name these tests knew it by


def browser_socket(url: str, cookie: str, origin: str | None, headers: dict[str, str] | None = None,
                   cookie_name: str = "relais_session") -> Any:
    """A ``/ws`` socket riding on a session cookie, from a page of ``origin`` (None: no Origin header),
    with ``headers`` besides (those a reverse proxy adds, say)."""
    sent = {"Cookie": f"{cookie_name}={cookie}", **(headers or {})}
    if origin is not None:
        sent["Origin"] = origin
    return connect_socket(url, sent)
