"""The websocket's Origin check compares scheme, host and port: a page of another port or scheme of the same
host cannot ride on the session cookie; behind a proxy, the forwarded scheme and host are the site's."""
from __future__ import annotations

import pytest
import simple_websocket

from kernel.testing import LiveServer, sign_in
from support.browser_socket import browser_socket
from support.factories import make_account
from support.live_server import next_event


def _opens(url: str, cookie: str, origin: str | None, headers: dict[str, str] | None = None) -> bool:
    """Whether a socket from a page of ``origin`` gets its hello (a refused one is closed at once)."""
    ws = browser_socket(url, cookie, origin, headers)
    try:
        next_event(ws, "hello", timeout=10)
        return True
    except (simple_websocket.ConnectionClosed, AssertionError):  # closed, or nothing (a slow close)
        return False
    finally:
        if ws.connected:
            ws.close()


@pytest.fixture
def served(make_app):
    def serve(**settings):
        app = make_app("sqlite", **settings)
        with app.app_context():
            cookie = sign_in(app, make_account("alice")).session_cookie()
        server = LiveServer(app)
        url = server.start()
        servers.append(server)
        return url, cookie
    servers: list[LiveServer] = []
    yield serve
    for server in servers:
        server.stop()


def test_the_same_origin_opens_and_another_port_scheme_or_host_does_not(served):
    url, cookie = served()
    ws_url = url.replace("http://", "ws://") + "/ws"
    port = int(url.rsplit(":", 1)[1])
    assert _opens(ws_url, cookie, url)
    assert _opens(ws_url, cookie, url.upper().replace("HTTP://", "http://"))  # host names are case-insensitive
    assert _opens(ws_url, cookie, None)  # not a browser page: nothing to check (the cookie still decides)
    assert not _opens(ws_url, cookie, f"http://127.0.0.1:{port + 1}")  # another program on the same host
    assert not _opens(ws_url, cookie, f"https://127.0.0.1:{port}")
    assert not _opens(ws_url, cookie, "http://127.0.0.1")
    assert not _opens(ws_url, cookie, "http://evil.example")
    assert not _opens(ws_url, cookie, "null")  # a sandboxed frame or a file


def test_behind_tls_only_the_https_origin_opens(served):
    url, cookie = served(behind_tls=True)
    ws_url = url.replace("http://", "ws://") + "/ws"
    assert _opens(ws_url, cookie, url.replace("http://", "https://"))
    assert not _opens(ws_url, cookie, url)


def test_behind_a_proxy_the_forwarded_scheme_and_host_are_the_site_s(served):
    url, cookie = served(proxy_count=1)
    ws_url = url.replace("http://", "ws://") + "/ws"
    proxy = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "relais.sante-region.example"}
    assert _opens(ws_url, cookie, "https://relais.sante-region.example", proxy)
    assert not _opens(ws_url, cookie, "http://relais.sante-region.example", proxy)
    assert not _opens(ws_url, cookie, "https://relais.sante-region.example:8443", proxy)
    assert not _opens(ws_url, cookie, url, proxy)
