"""The real ``relais`` program in a child process: it starts, answers over HTTP, and stops on a signal."""
from __future__ import annotations

import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO, Any

import pytest

SCRIPT = Path(sys.executable).with_name("relais")
RELAIS = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "kernel.cli"]
START_TIMEOUT = 30


class Child:
    """A running ``relais`` whose output lines are read in the background, so a pipe never fills up."""

    def __init__(self, *args: str, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen([*RELAIS, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env=env)
        self.stdout: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.stderr: list[str] = []
        threading.Thread(target=self._pump, args=(self.proc.stdout, self.stdout.put), daemon=True).start()
        threading.Thread(target=self._pump, args=(self.proc.stderr, self.stderr.append), daemon=True).start()

    @staticmethod
    def _pump(stream: IO[str], sink: Any) -> None:
        for line in stream:
            sink(line)

    def wait_for(self, pattern: str) -> re.Match[str]:
        """The first stdout line matching ``pattern``; fails if the program exits or is silent too long."""
        while True:
            try:
                line = self.stdout.get(timeout=START_TIMEOUT)
            except queue.Empty:
                pytest.fail(f"no line matching {pattern!r}; stdout: {''.join(self.seen)}\n"
                            f"stderr: {''.join(self.stderr)}")
            self.seen.append(line)
            match = re.search(pattern, line)
            if match:
                return match

    def stop(self, signum: int) -> int:
        self.proc.send_signal(signum)
        code = self.proc.wait(timeout=20)
        while not self.stdout.empty():
            self.seen.append(self.stdout.get())
        return code

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def get_json(url: str, token: str | None = None) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_demo_serves_the_api_and_stops_on_sigterm(tmp_path: Path) -> None:
    demo_dir = tmp_path / "demo"
    env = {**os.environ, "RELAIS_LOG_LEVEL": "WARNING"}
    env.pop("RELAIS_PLUGINS", None)  # the demo as users get it: every built-in plugin enabled
    child = Child("demo", "--data-dir", str(demo_dir), "--port", "0", "--mail-port", "0", env=env)
    try:
        url = child.wait_for(r"est prêt : (http://127\.0\.0\.1:\d+/)").group(1)
        assert any("isabelle.roux" in line and "demo1234" in line for line in child.seen)

        # A token made by the CLI, beside the running demo, on the same database.
        made = subprocess.run([*RELAIS, "token", "create", "--login", "isabelle.roux", "--name", "test"],
                              env={**env, "RELAIS_DATA_DIR": str(demo_dir)}, capture_output=True, text=True)
        assert made.returncode == 0, made.stderr
        status, me = get_json(url + "api/v1/me", made.stdout.strip())
        anonymous, refused = get_json(url + "api/v1/me")

        code = child.stop(signal.SIGTERM)
    finally:
        child.kill()

    assert status == 200, me
    assert me["account"]["login"] == "isabelle.roux"
    assert {i["display_name"] for i in me["identities"]} == {"Isabelle ROUX", "Coordination REPAP",
                                                             "Dr Julie BERNARD"}
    assert anonymous == 401 and refused == {"errors": {"_auth": ["Connectez-vous pour continuer."]}}
    assert code == 0, "".join(child.stderr)
    assert child.seen[-1].strip() == "Relais Santé est arrêté."
    assert "Traceback" not in "".join(child.stderr)


def test_serve_on_a_chosen_port_stops_on_sigint(tmp_path: Path, data_dir: Path) -> None:
    env = dict(os.environ)
    init = subprocess.run([*RELAIS, "init"], env=env, capture_output=True, text=True)
    assert init.returncode == 0, init.stderr
    port = free_port()
    child = Child("serve", "--port", str(port), env=env)
    try:
        url = child.wait_for(r"est démarré : (\S+)").group(1)
        status, _ = get_json(url + "api/v1/me")
        code = child.stop(signal.SIGINT)
    finally:
        child.kill()

    assert url == f"http://127.0.0.1:{port}/"
    assert status == 401
    assert code == 0, "".join(child.stderr)
    assert "Relais Santé est arrêté." in "".join(child.seen)
    assert "Traceback" not in "".join(child.stderr)
