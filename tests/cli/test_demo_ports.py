"""``relais demo`` and ``relais serve`` as users run them: the logins appear while the server runs (not when it
ends), and a port already taken is said in French, naming the option or setting that changes it."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
from pathlib import Path
from typing import Iterator

import pytest

from cli.test_cli_subprocess import RELAIS, Child, free_port


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port some other program listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        yield sock.getsockname()[1]


def demo_env() -> dict[str, str]:
    env = {**os.environ, "RELAIS_LOG_LEVEL": "WARNING"}
    env.pop("RELAIS_PLUGINS", None)  # every built-in plugin, as users get it
    return env


def test_the_logins_are_printed_as_soon_as_the_demo_is_up(tmp_path: Path) -> None:
    # Read from a pipe, line by line, while the process still runs: a buffered output would arrive at exit only.
    child = Child("demo", "--data-dir", str(tmp_path / "demo"), "--port", "0", "--mail-port", "0", env=demo_env())
    try:
        child.wait_for(r"^julie\.bernard +demo1234 +Dr Julie BERNARD")
        child.wait_for(r"^Annuaire fictif : 2 \d{3} professionnels et \d+ services, importés en \d+,\d s")
        url = child.wait_for(r"est prêt : (http://127\.0\.0\.1:\d+/)").group(1)
        assert child.proc.poll() is None  # still serving
        code = child.stop(signal.SIGINT)
    finally:
        child.kill()
    assert url and code == 0, "".join(child.stderr)


@pytest.mark.parametrize("which", ["web", "mail"])
def test_demo_says_which_port_is_taken_and_the_option_that_changes_it(tmp_path: Path, taken_port: int,
                                                                       which: str) -> None:
    ports = ["--port", str(taken_port), "--mail-port", "0"] if which == "web" else \
        ["--port", "0", "--mail-port", str(taken_port)]
    done = subprocess.run([*RELAIS, "demo", "--data-dir", str(tmp_path / "demo"), *ports], env=demo_env(),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    if which == "web":
        expected = (f"Erreur : le port {taken_port} est déjà utilisé sur 127.0.0.1 : arrêtez le programme qui "
                    "l'occupe ou choisissez un autre port avec --port.")
    else:
        expected = (f"Erreur : le port {taken_port} du courrier MSSanté (récepteur SMTP) est déjà utilisé sur "
                    "127.0.0.1 : arrêtez le programme qui l'occupe ou choisissez un autre port avec --mail-port.")
    assert expected in done.stderr.splitlines()
    assert "Traceback" not in done.stderr and "est prêt" not in done.stdout


@pytest.mark.parametrize("which", ["web", "mail"])
def test_serve_names_the_setting_of_a_taken_port(data_dir: Path, taken_port: int, which: str) -> None:
    env = dict(os.environ)
    assert subprocess.run([*RELAIS, "init"], env=env, capture_output=True, text=True).returncode == 0
    if which == "mail":
        env["RELAIS_MAIL_RECEIVER_PORT"] = str(taken_port)
        args = ["--port", str(free_port())]
    else:
        args = ["--port", str(taken_port)]
    done = subprocess.run([*RELAIS, "serve", *args], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert f"le port {taken_port}" in done.stderr
    assert ("choisissez un autre port avec le réglage « mail_receiver_port » (RELAIS_MAIL_RECEIVER_PORT)."
            if which == "mail" else "choisissez un autre port avec --port (ou le réglage « port »).") in done.stderr
    assert "Traceback" not in done.stderr
