"""One access line per HTTP request, through the process's logging (logger ``relais.access``, level INFO), the
same for werkzeug's threaded server and gunicorn: both servers' own access logs are off (kernel/server.py,
kernel/serving/arbiter.py), so the ``log_level`` and ``access_log`` settings are the only ones that decide.

The line has the path without its query string: a search (« dupont 1979 ») would otherwise write patients'
names into the logs. A one-time password link's secret (/mot-de-passe/<secret>) is cut to a prefix and « … »:
whoever reads the logs must not be able to choose the account's password.
"""
from __future__ import annotations

import logging
import time
from typing import Any, Callable, Iterable

access_log = logging.getLogger("relais.access")
SECRET_PATHS = ("/mot-de-passe/",)  # paths whose remainder is a secret
SECRET_PREFIX = 4  # characters of the secret kept, to tell two lines apart


def loggable_path(path: str) -> str:
    """The path as the access line shows it: a secret in it cut to its first characters and « … »."""
    for prefix in SECRET_PATHS:
        if path.startswith(prefix) and len(path) > len(prefix):
            return path[:len(prefix) + SECRET_PREFIX] + "…"
    return path


class AccessLog:
    """WSGI middleware: logs when the response starts (a websocket's line comes when it is accepted)."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not access_log.isEnabledFor(logging.INFO):
            return self.app(environ, start_response)
        began = time.perf_counter()

        def logging_start_response(status: str, headers: list, exc_info: Any = None) -> Any:
            access_log.info('%s "%s %s %s" %s %.1f ms', environ.get("REMOTE_ADDR", "-"),
                            environ.get("REQUEST_METHOD", "-"), loggable_path(environ.get("PATH_INFO", "") or "/"),
                            environ.get("SERVER_PROTOCOL", "-"), status.split(" ", 1)[0],
                            (time.perf_counter() - began) * 1000)
            return start_response(status, headers, exc_info) if exc_info is not None else \
                start_response(status, headers)

        return self.app(environ, logging_start_response)
