"""The security tests' app: every built-in plugin enabled, as a deployer's default configuration has them."""
from __future__ import annotations

from typing import Iterator

import pytest
from flask import Flask

from kernel.testing import TestApps
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
