"""The security tests' app: every built-in plugin enabled, as a deployer's default configuration has them."""
from __future__ import annotations

from typing import Iterator

import pytest
from flask import Flask

from kernel.testing import TestApps, make_account
from security.matrix_world import DOMAIN, World, build_world

BUILTIN = ["*builtin"]


@pytest.fixture(scope="module")
def matrix_app(tmp_path_factory) -> Iterator[Flask]:
    """One app per module, built once: its world is shared by hundreds of cells."""
    apps = TestApps(tmp_path_factory.mktemp("matrix"))
    yield apps.build(BUILTIN, mail_domains=[DOMAIN])
    apps.close()


@pytest.fixture(scope="module")
def world(matrix_app) -> World:
    return build_world(matrix_app)


@pytest.fixture
def site(make_app, backend):
    """An app on each database with two accounts, alice and bob (the session and sign-in tests)."""
    app = make_app(backend)
    with app.app_context():
        make_account("alice")
        make_account("bob")
    return app
