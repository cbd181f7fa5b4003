"""Shared fixtures: apps on SQLite and on PostgreSQL, accounts, clients."""
from __future__ import annotations

import faulthandler
import os
import signal
import tempfile
import uuid
from pathlib import Path
from typing import Any, Callable, Iterator

import psycopg2
import pytest

from kernel import create_app
from kernel.testing import TestApps
from support.chat_channel import ChatChannel
from support.pg_cluster import DEFAULT_URL, ThrowawayCluster, answers


@pytest.hookimpl(trylast=True)  # after pytest's own faulthandler set-up, which would replace this one
def pytest_configure(config: Any) -> None:
    # An xdist worker that dies says nothing where anyone can read it (its stderr is /dev/null): each worker
    # writes a fatal error's or a SIGTERM's tracebacks to a file of its own, named in the crash report's folder.
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        log = open(Path(tempfile.gettempdir()) / f"relais-tests-{worker}-{os.getpid()}.faults", "w")  # noqa: SIM115
        config._relais_fault_log = log  # kept open for the worker's life
        faulthandler.enable(file=log, all_threads=True)
        faulthandler.register(signal.SIGTERM, file=log, all_threads=True, chain=True)

BACKENDS = ["sqlite", "postgres"]
CHROMIUM = os.environ.get("RELAIS_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


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
def postgres_schema(request) -> Iterator[Callable[[], str]]:
    """Make database URLs, each on a schema of its own in the test database, dropped after the test."""
    schemas: list[tuple[str, str]] = []

    def create() -> str:
        base = request.getfixturevalue("postgres_url")
        schema = f"t_{uuid.uuid4().hex[:12]}"
        conn = psycopg2.connect(base)
        conn.autocommit = True
        conn.cursor().execute(f"CREATE SCHEMA {schema}")
        conn.close()
        schemas.append((base, schema))
        return f"{base}?options=-c%20search_path%3D{schema}"

    yield create
    for base, schema in schemas:
        conn = psycopg2.connect(base)
        conn.autocommit = True
        conn.cursor().execute(f"DROP SCHEMA {schema} CASCADE")
        conn.close()


@pytest.fixture
def database_settings(backend, postgres_schema) -> dict[str, Any]:
    """The settings that put an app on the test's backend: none for SQLite, a fresh schema for PostgreSQL."""
    return {"database_url": postgres_schema()} if backend == "postgres" else {}


@pytest.fixture
def make_app(postgres_schema, tmp_path) -> Iterator[Callable[..., Any]]:
    """Build apps: ``make_app(backend="sqlite"|"postgres", plugins=[(name, obj)], **settings)``.

    Each PostgreSQL app gets a schema of its own in the test database, dropped afterwards. Built and
    closed by the testing kit's TestApps, as plugin authors' apps are.
    """
    apps = TestApps(tmp_path)

    def build(backend: str = "sqlite", plugins: Any = None, name: str | None = None, **settings: Any) -> Any:
        if backend == "postgres":
            settings["database_url"] = postgres_schema()
        return apps.build([("test_chat", ChatChannel())] if plugins is None else plugins, name=name, **settings)

    yield build
    apps.close()  # before the schemas are dropped: no connection left holding them


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


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One headless Chromium for the whole session, wherever its browser tests live (Playwright's sync API
    allows one driver per thread). The Debian Chromium is used as is; no browser is ever downloaded."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (set RELAIS_TEST_CHROMIUM)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def instances(make_app, tmp_path):
    """Two instances of one platform (event_backend = "postgres"): one PostgreSQL schema, each its own
    process's worth of state (event bus, sockets, job runner)."""
    a = make_app("postgres", event_backend="postgres", name="a")
    config = a.extensions["relais"].config
    b = create_app({"data_dir": str(tmp_path / "b"), "plugins": [], "log_level": "WARNING",
                    "database_url": config["database_url"], "secret_key": config["secret_key"],
                    "event_backend": "postgres"}, plugins=[("test_chat", ChatChannel())])
    yield a, b
    relais = b.extensions["relais"]
    relais.jobs.shutdown(wait=False)
    relais.events.close()
    relais.database.close_all()
