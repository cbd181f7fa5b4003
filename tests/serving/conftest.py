"""Nodes of the platform as deployers run them: ``relais serve`` in a process of its own (gunicorn by default), on
a data folder the test seeded beforehand, stopped by a signal like a supervisor stops it."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import pytest

from cli.test_cli_subprocess import RELAIS, Child, free_port
from kernel import create_app
from kernel.config import load_config
from kernel.testing import make_account
from kernel.testing.factories import bearer

GRACEFUL_TIMEOUT = 15  # seconds a node has to stop (the graceful_timeout setting of every node here)
START_SECONDS = 60  # a loaded machine (every helper's tests at once) takes long to import and build the app


@pytest.fixture
def node_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The environment of every node of the test: only the settings it chooses, one data folder."""
    for key in list(os.environ):
        if key.startswith("RELAIS_") and not key.startswith("RELAIS_TEST_"):
            monkeypatch.delenv(key)
    env = {"RELAIS_DATA_DIR": str(tmp_path / "data"), "RELAIS_PLUGINS": "conversation",
           "RELAIS_LOG_LEVEL": "WARNING", "RELAIS_MAIL_RECEIVER_PORT": "0", "RELAIS_GRACEFUL_TIMEOUT": str(GRACEFUL_TIMEOUT),
           "RELAIS_WS_MAX_PER_ACCOUNT": "100"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return {**os.environ, **env}


@pytest.fixture
def postgres_node_env(postgres_schema, node_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """``node_env`` on a PostgreSQL schema of its own with the PostgreSQL event bus: what several nodes (or
    several workers) need, each reaching the sockets of the others."""
    # Pools of 10: two nodes (a worker and a side process each) stay well under the server's 100 connections,
    # which the suite's other workers share.
    extra = {"RELAIS_DATABASE_URL": postgres_schema(), "RELAIS_EVENT_BACKEND": "postgres",
             "RELAIS_DATABASE_POOL_SIZE": "10"}
    for key, value in extra.items():
        monkeypatch.setenv(key, value)
    node_env.update(extra)
    return node_env


@dataclass
class World:
    """Accounts (each with a bearer token) who are all members of one conversation."""

    tokens: list[dict[str, str]]
    exchange_id: int
    identity_ids: list[int] = field(default_factory=list)


def seed(accounts: int = 10) -> World:
    """The data folder of ``node_env``: migrated, ``accounts`` people, one conversation of them all (made
    before any node starts, so that nodes never migrate side by side)."""
    app = create_app(load_config({}), migrate=True)
    with app.app_context():
        people = [make_account(f"membre{i}", f"Prénom{i}", f"Nom{i}") for i in range(accounts)]
        tokens = [bearer(person) for person in people]
        client = app.test_client()
        created = client.post("/api/v1/channels/conversation/exchanges", headers=tokens[0], json={
            "acting_as": people[0].identity_id, "members": [p.identity_id for p in people[1:]],
            "subject": "Redémarrage", "body": "Premier message."})
        assert created.status_code == 201, created.get_data(as_text=True)
        exchange_id = created.json["exchange"]["id"]
        identity_ids = [p.identity_id for p in people]
    app.extensions["relais"].database.close_all()
    return World(tokens=tokens, exchange_id=exchange_id, identity_ids=identity_ids)


class Node:
    """``relais serve`` running in a child process."""

    def __init__(self, env: dict[str, str], *args: str, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.child = Child("serve", "--port", str(self.port), *args, env=env)
        self.stopped_in: float | None = None

    def wait_ready(self) -> "Node":
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.child.proc.poll() is not None:
                pytest.fail(f"relais serve ended: {''.join(self.child.stderr)}")
            try:
                if get(self.url + "/readyz")[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        pytest.fail(f"relais serve not ready in {START_SECONDS} s: {''.join(self.child.stderr)}")

    def stop(self, signum: int = signal.SIGTERM) -> int | None:
        """Signal the node and wait for its end (None: still running well past graceful_timeout)."""
        began = time.monotonic()
        self.child.proc.send_signal(signum)
        try:
            code = self.child.proc.wait(timeout=GRACEFUL_TIMEOUT + 15)
        except subprocess.TimeoutExpired:
            code = None
        self.stopped_in = time.monotonic() - began
        return code

    def kill(self) -> None:
        """The end of a test: a graceful stop first (the side process goes with the node), then SIGKILL."""
        if self.child.proc.poll() is None:
            self.child.proc.send_signal(signal.SIGTERM)
            try:
                self.child.proc.wait(timeout=GRACEFUL_TIMEOUT + 5)
            except subprocess.TimeoutExpired:
                pass
        self.child.kill()

    @property
    def stderr(self) -> str:
        return "".join(self.child.stderr)


@pytest.fixture
def nodes() -> Iterator[list[Node]]:
    """Nodes the test starts (append them): killed at the end whatever happened."""
    started: list[Node] = []
    yield started
    for node in started:
        node.kill()


def get(url: str, headers: dict[str, str] | None = None, timeout: float = 10) -> tuple[int, Any]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, _body(response)
    except urllib.error.HTTPError as exc:
        return exc.code, _body(exc)


def post(url: str, body: dict[str, Any], headers: dict[str, str], timeout: float = 10) -> tuple[int, Any]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={**headers, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, _body(response)
    except urllib.error.HTTPError as exc:
        return exc.code, _body(exc)


def _body(response: Any) -> Any:
    raw = response.read()
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")

