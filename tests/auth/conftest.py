"""Fixtures of the sign-in tests: the test Pro Santé Connect provider and a live app using it."""
from __future__ import annotations

from typing import Any, Callable, Iterator

import pytest

from support.live_server import LiveServer
from support.psc_flow import PscSite
from support.psc_provider import psc_provider  # noqa: F401  (fixture)


@pytest.fixture
def make_psc_site(make_app, psc_provider, tmp_path) -> Iterator[Callable[..., PscSite]]:  # noqa: F811
    """``make_psc_site(backend="sqlite", **settings)``: an app using the provider, served until the test ends."""
    servers: list[LiveServer] = []

    def start(backend: str = "sqlite", **settings: Any) -> PscSite:
        app = make_app(backend, **psc_provider.settings(**settings))
        server = LiveServer(app)
        servers.append(server)
        return PscSite(app, server.start(), tmp_path)

    yield start
    for server in servers:
        server.stop()




@pytest.fixture
def make_site_plain(make_app) -> Iterator[Callable[[], str]]:
    """``make_site_plain()``: the URL of an app served without Pro Santé Connect."""
    servers: list[LiveServer] = []

    def start() -> str:
        servers.append(LiveServer(make_app("sqlite")))
        return servers[-1].start()

    yield start
    for server in servers:
        server.stop()
