"""The socket tests' client: the testing kit's, which never loses the server's first frame."""
from __future__ import annotations

from typing import Any

from kernel.testing import connect_socket as connect


def browser(url: str, cookie: str, origin: str, cookie_name: str = "relais_session") -> Any:
    """A socket riding on a session cookie, from a page of ``origin``."""
    return connect(url, {"Cookie": f"{cookie_name}={cookie}", "Origin": origin})
