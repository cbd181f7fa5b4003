"""Shared fixtures: apps on SQLite and on PostgreSQL, accounts, clients."""
from __future__ import annotations

import os
import uuid
from typing import Any, Callable, Iterator

import psycopg2
import pytest

from kernel import create_app
from support.chat_channel import ChatChannel
from support.pg_cluster import DEFAULT_URL, ThrowawayCluster, answers

BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The PostgreSQL server of the machine or CI; a throwaway cluster when none answers."""
    url = os.environ.get("RELAIS_TEST_POSTGRES_URL", DEFAULT_URL)
    if answers(url):
        yield url
        return
    cluster = ThrowawayCluster()
    try:
        yield cluster.start()
    finally:
        cluster.stop()


@pytest.fixture
def make_app(tmp_path, request) -> Iterator[Callable[..., Any]]:
    """Build apps: ``make_app(backend="sqlite"|"postgres", plugins=[(name, obj)], **settings)``.

    Each PostgreSQL app gets a schema of its own in the test database, dropped afterwards.
    """
    schemas: list[tuple[str, str]] = []
    apps: list[Any] = []

    def build(backend: str = "sqlite", plugins: Any = None, name: str | None = None, **settings: Any) -> Any:
        data_dir = tmp_path / (name or f"app{len(apps)}")
        config: dict[str, Any] = {"data_dir": str(data_dir), "plugins": [], "log_level": "WARNING", **settings}
        if backend == "postgres":
            base = request.getfixturevalue("postgres_url")
            schema = f"t_{uuid.uuid4().hex[:12]}"
            conn = psycopg2.connect(base)
            conn.autocommit = True
            conn.cursor().execute(f"CREATE SCHEMA {schema}")
            conn.close()
            schemas.append((base, schema))
            config["database_url"] = f"{base}?options=-c%20search_path%3D{schema}"
        app = create_app(config, plugins=[("test_chat", ChatChannel())] if plugins is None else plugins)
        app.config["TESTING"] = True
        apps.append(app)
        return app

    yield build
    for app in apps:
        relais = app.extensions["relais"]
        relais.jobs.shutdown(wait=False)
        relais.events.close()  # a PostgreSQL event backend's listening thread
        relais.database.close_all() if hasattr(relais.database, "close_all") else relais.database.close()
    for base, schema in schemas:
        conn = psycopg2.connect(base)
        conn.autocommit = True
        conn.cursor().execute(f"DROP SCHEMA {schema} CASCADE")
        conn.close()


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def app(make_app, backend):
    """An app with the test chat channel, on SQLite and on PostgreSQL."""
    app = make_app(backend)
    with app.app_context():
        yield app


@pytest.fixture
def sqlite_app(make_app):
    app = make_app("sqlite")
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()
