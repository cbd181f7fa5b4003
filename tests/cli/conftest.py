"""Fixtures for the ``relais`` command: an isolated environment, an in-process runner, database peeks."""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from click.testing import CliRunner, Result

from kernel import create_app
from kernel.commands import cli
from kernel.config import load_config


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture(autouse=True)
def relais_env(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> dict[str, str]:
    """Only the settings a test chooses: the machine's own RELAIS_* variables never leak in."""
    for key in list(os.environ):
        if key.startswith("RELAIS_"):
            monkeypatch.delenv(key)
    # Any free port for the mail receiver: 2525 may be held by a demo running on the same machine.
    env = {"RELAIS_DATA_DIR": str(data_dir), "RELAIS_PLUGINS": "", "RELAIS_LOG_LEVEL": "WARNING",
           "RELAIS_MAIL_RECEIVER_PORT": "0"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


@pytest.fixture
def run() -> Callable[..., Result]:
    """``run("user", "list", input="...")``: the command in-process, stdout and stderr kept apart."""
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Result:
        return runner.invoke(cli, list(args), input=input, prog_name="relais")
    return invoke


@pytest.fixture
def install_plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """``install_plugins({"good": "relais_cli_test_good"}, {"relais_cli_test_good.py": SOURCE})``: a fake
    distribution on sys.path declaring those plugins in the ``relais.plugins`` group, beside those files."""

    def install(plugins: dict[str, str], files: dict[str, str]) -> None:
        site = tmp_path / "site"
        dist = site / "relais_cli_test_plugins-1.0.dist-info"
        dist.mkdir(parents=True)
        (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: relais-cli-test-plugins\nVersion: 1.0\n")
        (dist / "entry_points.txt").write_text(
            "[relais.plugins]\n" + "".join(f"{name} = {module}\n" for name, module in plugins.items()))
        for relative, text in files.items():
            (site / relative).parent.mkdir(parents=True, exist_ok=True)
            (site / relative).write_text(text)
        monkeypatch.syspath_prepend(str(site))
    return install


@pytest.fixture
def initialised(run: Callable[..., Result]) -> None:
    result = run("init")
    assert result.exit_code == 0, result.output


@pytest.fixture
def database() -> Callable[..., Any]:
    """``with database(): Account.select()...``: the models bound to the platform the commands used."""
    apps: list[Any] = []

    @contextmanager
    def open_context(**overrides: Any) -> Iterator[Any]:
        app = create_app(load_config(overrides), migrate=False)
        apps.append(app)
        with app.app_context():
            yield app
    yield open_context
    for app in apps:
        app.extensions["relais"].database.close()


@pytest.fixture
def create_user(run: Callable[..., Result]) -> Callable[..., Result]:
    """``create_user("login", "--rpps", "...")``: a ``user create`` with a password on stdin."""

    def create(login: str = "julie.bernard", *extra: str, password: str = "motdepasse-solide") -> Result:
        return run("user", "create", "--login", login, "--first-name", "Julie", "--last-name", "Bernard",
                   "--password-stdin", *extra, input=password + "\n")
    return create
