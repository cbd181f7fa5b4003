"""The pytest plugin of the testing kit (entry point ``pytest11: relais``): fixtures for plugin tests.

Every fixture is named ``relais_*``. Choose the plugins and settings of ``relais_app`` with a marker,
on a test or a module (``pytestmark = pytest.mark.relais(...)``)::

    @pytest.mark.relais(plugins=[("exemple_rappel", hooks)], plugin_settings={"exemple_rappel": {"heure": 9}})
    def test_reminder(relais_app, relais_alice, relais_bob): ...

or by overriding the ``relais_plugins`` / ``relais_settings`` fixtures in a conftest.py.
"""
from __future__ import annotations

from typing import Any, Callable, Iterator

import pytest
from flask import Flask

from .apps import PluginSpec, TestApps
from .factories import make_account
from .live import LiveServer, LiveSocket
from .outbox import Outbox
from .users import RelaisUser, sign_in


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "relais(plugins=[...], **settings): the plugins (entry-point names or (name, object) pairs) "
                   "and settings of the relais_app fixture")


@pytest.fixture
def relais_make_app(tmp_path) -> Iterator[Callable[..., Flask]]:
    """Build apps: ``relais_make_app(plugins=[...], name=None, **settings)``, each on SQLite in the test's
    tmp_path; all closed at the end of the test. No app context is pushed."""
    apps = TestApps(tmp_path)
    yield apps.build
    apps.close()


@pytest.fixture
def relais_plugins(request) -> list[PluginSpec]:
    """The plugins of ``relais_app``: the ``relais`` marker's ``plugins``, else none."""
    marker = request.node.get_closest_marker("relais")
    return list(marker.kwargs.get("plugins", ())) if marker else []


@pytest.fixture
def relais_settings(request) -> dict[str, Any]:
    """The settings of ``relais_app``: the ``relais`` marker's other keyword arguments, else none."""
    marker = request.node.get_closest_marker("relais")
    return {k: v for k, v in marker.kwargs.items() if k != "plugins"} if marker else {}


@pytest.fixture
def relais_app(relais_settings, relais_plugins, relais_make_app) -> Iterator[Flask]:
    """An app with ``relais_plugins`` and ``relais_settings``, its app context pushed for the test."""
    app = relais_make_app(relais_plugins, **relais_settings)
    with app.app_context():
        yield app


@pytest.fixture
def relais(relais_app) -> Any:
    """The app's kernel state (``current_relais()``): jobs, events, config..."""
    return relais_app.extensions["relais"]


@pytest.fixture
def relais_user(relais_app) -> Callable[..., RelaisUser]:
    """Make more signed-in users: ``relais_user("carol", first="Carole", last="Petit", ...)`` takes
    ``make_account``'s arguments."""
    def make(login: str | None = None, *args: Any, **account: Any) -> RelaisUser:
        return sign_in(relais_app, make_account(login, *args, **account))
    return make


@pytest.fixture
def relais_alice(relais_user) -> RelaisUser:
    """Alice MARTIN, médecin, signed in (``.api`` with a token, ``.browser`` with a session)."""
    return relais_user("alice", "Alice", "Martin")


@pytest.fixture
def relais_bob(relais_user) -> RelaisUser:
    """Bob DURAND, infirmier, signed in."""
    return relais_user("bob", "Bob", "Durand", profession="Infirmier")


@pytest.fixture
def relais_live_server(relais_app) -> Iterator[str]:
    """The app served by a real threaded HTTP server; its base URL (``http://127.0.0.1:<port>``)."""
    with LiveServer(relais_app) as url:
        yield url


@pytest.fixture
def relais_ws(relais_live_server) -> Iterator[Callable[[RelaisUser], LiveSocket]]:
    """Open live sockets: ``relais_ws(relais_bob).next_event("message.created")``; all closed at the end."""
    sockets: list[LiveSocket] = []

    def connect(user: RelaisUser) -> LiveSocket:
        socket = LiveSocket(relais_live_server, user.headers)
        sockets.append(socket)
        return socket

    yield connect
    for socket in sockets:
        socket.close()


@pytest.fixture
def relais_outbox(relais) -> Iterator[Outbox]:
    """The mail transport's outbox: ``mails()`` queued, ``send()`` to a local SMTP capture."""
    outbox = Outbox(relais)
    yield outbox
    outbox.close()
