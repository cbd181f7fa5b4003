"""kernel/server.py: the web app, the job runner and side services start together and stop cleanly."""
from __future__ import annotations

import os
import queue
import signal
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
from typing import Any

import pytest
from werkzeug.serving import ThreadedWSGIServer

from kernel import JobType, hookimpl
from kernel.server import RunningPlatform, run_platform


class PingJobs:
    """A plugin with one job type whose handler records that it ran."""

    def __init__(self) -> None:
        self.ran = threading.Event()

    @hookimpl
    def register_jobs(self) -> list[JobType]:
        return [JobType("test.ping", lambda payload: self.ran.set())]


class Recorder:
    def __init__(self, name: str, log: list[str], fail_on_start: bool = False) -> None:
        self.name, self.log, self.fail_on_start = name, log, fail_on_start

    def start(self) -> None:
        if self.fail_on_start:
            raise RuntimeError(f"{self.name} cannot start")
        self.log.append(f"start {self.name}")

    def stop(self) -> None:
        self.log.append(f"stop {self.name}")


def status_of(url: str) -> int:
    try:
        return urllib.request.urlopen(url, timeout=5).status
    except urllib.error.HTTPError as exc:
        return exc.code


def start_in_thread(app: Any, **kwargs: Any) -> tuple[RunningPlatform, threading.Thread, queue.Queue]:
    ready: queue.Queue = queue.Queue()
    errors: queue.Queue = queue.Queue()

    def target() -> None:
        try:
            run_platform(app, "127.0.0.1", 0, ready_callback=ready.put, **kwargs)
        except BaseException as exc:  # handed to the test
            errors.put(exc)
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return ready.get(timeout=10), thread, errors


def test_serves_runs_jobs_and_stops_everything(make_app) -> None:
    jobs = PingJobs()
    app = make_app("sqlite", plugins=[("ping", jobs)], jobs_poll_seconds=0.05)
    log: list[str] = []

    platform, thread, errors = start_in_thread(app, services=[Recorder("a", log), Recorder("b", log)])
    assert platform.port > 0 and platform.url == f"http://127.0.0.1:{platform.port}/"
    assert status_of(platform.url + "api/v1/me") == 401  # the real app answers
    with app.app_context():
        app.extensions["relais"].jobs.enqueue("test.ping")
    assert jobs.ran.wait(5), "the job runner was not started"

    platform.stop()
    thread.join(10)

    assert not thread.is_alive() and errors.empty()
    assert log == ["start a", "start b", "stop b", "stop a"]
    assert _port_is_free(platform.port)  # the listening socket is closed


def test_stopping_waits_for_the_server_thread_to_close_the_listening_socket(make_app, monkeypatch) -> None:
    # werkzeug's serve_forever closes the socket in its own thread once shutdown() has returned: a close
    # still under way there (its descriptor taken, the close not yet done) made the port check above flaky.
    # Here that close is slowed down: the platform must not return before it is done.
    original = ThreadedWSGIServer.server_close

    def slow_close_in_the_server_thread(server: ThreadedWSGIServer) -> None:
        if threading.current_thread().name != "relais-http":
            return original(server)
        descriptor = server.socket.detach()  # what Python does before closing: the socket looks closed
        time.sleep(0.3)
        os.close(descriptor)
    monkeypatch.setattr(ThreadedWSGIServer, "server_close", slow_close_in_the_server_thread)
    app = make_app("sqlite")
    ports: list[int] = []

    def stop_at_once(platform: RunningPlatform) -> None:
        ports.append(platform.port)
        platform.stop()

    run_platform(app, "127.0.0.1", 0, ready_callback=stop_at_once)

    assert _port_is_free(ports[0])
    assert "relais-http" not in {t.name for t in threading.enumerate()}


def test_a_port_in_use_fails_before_anything_starts(make_app) -> None:
    app = make_app("sqlite")
    log: list[str] = []
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        with pytest.raises(OSError):
            run_platform(app, "127.0.0.1", busy.getsockname()[1], services=[Recorder("a", log)])
    assert log == []


def test_a_service_that_cannot_start_stops_those_already_started(make_app) -> None:
    app = make_app("sqlite")
    log: list[str] = []

    with pytest.raises(RuntimeError, match="b cannot start"):
        run_platform(app, "127.0.0.1", 0, services=[Recorder("a", log), Recorder("b", log, fail_on_start=True)])
    assert log == ["start a", "stop a"]


def test_a_failing_ready_callback_still_shuts_down(make_app) -> None:
    app = make_app("sqlite")
    seen: list[RunningPlatform] = []

    def explode(platform: RunningPlatform) -> None:
        seen.append(platform)
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        run_platform(app, "127.0.0.1", 0, ready_callback=explode)
    assert _port_is_free(seen[0].port)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_in_the_main_thread_stops_cleanly_and_restores_handlers(make_app, signum: int) -> None:
    app = make_app("sqlite")
    before = signal.getsignal(signum)

    # Sent once the handlers are installed: the platform must return instead of dying.
    run_platform(app, "127.0.0.1", 0, ready_callback=lambda platform: os.kill(os.getpid(), signum))

    assert signal.getsignal(signum) is before


@pytest.mark.parametrize("host, url", [("0.0.0.0", "http://127.0.0.1:8000/"), ("::", "http://[::1]:8000/"),
                                       ("192.168.1.10", "http://192.168.1.10:8000/")])
def test_the_url_printed_can_be_browsed_to(host: str, url: str) -> None:
    assert RunningPlatform(host=host, port=8000).url == url


def test_serve_on_a_busy_port_says_so_in_french(run) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run("serve", "--port", str(port))

    assert result.exit_code == 1
    assert f"le port {port} est déjà utilisé sur 127.0.0.1" in result.stderr
    assert "--port" in result.stderr


def test_serve_rejects_an_out_of_range_port(run) -> None:
    result = run("serve", "--port", "70000")

    assert result.exit_code == 2
    assert "n'est pas dans l'intervalle" in result.stderr


@pytest.mark.parametrize("host", ["hote-inexistant.invalid", "192.0.2.1"])
def test_serve_on_an_address_this_machine_does_not_have(run, host: str) -> None:
    result = run("serve", "--host", host, "--port", "0")

    assert result.exit_code == 1
    assert f"l'adresse « {host} » n'existe pas sur cette machine" in result.stderr


SERVICE_PLUGIN = '''from kernel import hookimpl

LOG = []


class Recorder:
    name = "cli_recorder"

    def start(self):
        LOG.append("start")

    def stop(self):
        LOG.append("stop")


@hookimpl
def register_services():
    return [Recorder()]
'''


def test_serve_runs_the_services_plugins_registered(run, install_plugins, monkeypatch) -> None:
    install_plugins({"recorder": "relais_cli_test_service"}, {"relais_cli_test_service.py": SERVICE_PLUGIN})
    monkeypatch.setenv("RELAIS_PLUGINS", "recorder")

    def run_until_ready(app: Any, host: str, port: int, ready_callback: Any = None, **kwargs: Any) -> None:
        def announce_then_stop(platform: RunningPlatform) -> None:
            ready_callback(platform)
            platform.stop()
        run_platform(app, host, port, ready_callback=announce_then_stop, **kwargs)
    monkeypatch.setattr("kernel.commands.running.run_platform", run_until_ready)

    result = run("serve", "--threaded", "--port", "0")  # in this process: gunicorn would replace it (exec)

    assert result.exit_code == 0, result.output
    assert "Relais Santé est arrêté." in result.stdout
    assert sys.modules["relais_cli_test_service"].LOG == ["start", "stop"]


def _port_is_free(port: int) -> bool:
    # Binding again proves our socket is closed; connecting would not (another test may listen there).
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
            probe.listen()
        except OSError:
            return False
    return True
