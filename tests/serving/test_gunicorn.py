"""``relais serve`` on gunicorn as deployers run it: a gevent worker serves pages and sockets, the side process runs
the jobs once, and SIGTERM sends the sockets elsewhere (1012) and ends the node within graceful_timeout."""
from __future__ import annotations

import signal
import subprocess
import threading
import time

import simple_websocket

from kernel import JobType, hookimpl
from kernel.models import Job
from kernel.serving import wake
from kernel.testing import connect_socket, next_event
from cli.test_cli_subprocess import RELAIS
from serving.conftest import GRACEFUL_TIMEOUT, START_SECONDS, Node, get, post, seed


def children(pid: int) -> list[str]:
    out = subprocess.run(["ps", "-o", "args=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [line.strip() for line in out.splitlines() if line.strip()]


def test_a_node_serves_sockets_on_gunicorn_and_sends_them_away_on_sigterm(node_env, nodes) -> None:
    world = seed(accounts=2)
    node = Node(node_env)
    nodes.append(node)
    node.wait_ready()
    # The arbiter (the command's own process, after exec), one worker and the side process.
    kids = children(node.child.proc.pid)
    assert len(kids) == 2, kids
    assert sum("kernel.serving.node" in k for k in kids) == 1, kids
    assert get(node.url + "/healthz") == (200, {"status": "ok"})

    ws = connect_socket(node.url.replace("http", "ws") + "/ws", world.tokens[1])
    assert next_event(ws, "hello")["type"] == "hello"
    status, answer = post(f"{node.url}/api/v1/exchanges/{world.exchange_id}/messages", {"body": "En direct ?"},
                          world.tokens[0])
    assert status == 201, answer
    event = next_event(ws, "message.created")
    assert event["data"]["id"] == answer["message"]["id"]

    code = node.stop(signal.SIGTERM)

    assert code == 0, node.stderr
    assert node.stopped_in < GRACEFUL_TIMEOUT
    closed = None
    try:
        while ws.receive(timeout=5) is not None:
            pass
    except simple_websocket.ConnectionClosed as exc:
        closed = exc.reason
    assert closed == 1012  # « service restart »: the page reconnects at once (web/static/js/live.js)
    assert "Relais Santé est arrêté." in "".join(node.child.seen + list(node.child.stdout.queue))
    assert "Traceback" not in node.stderr


def test_the_workers_wake_the_side_process_job_runner_through_their_channel(make_app) -> None:
    # A job a request enqueues must start at once, not at the next poll, though the runner is in the side
    # process: the worker's JobRunner.wake sends a byte, the side process wakes its real runner.
    ran = threading.Event()

    class PingJobs:
        @hookimpl
        def register_jobs(self) -> list[JobType]:
            return [JobType("test.ping", lambda payload: ran.set())]

    app = make_app("sqlite", plugins=[("ping", PingJobs())], jobs_poll_seconds=60)
    jobs = app.extensions["relais"].jobs
    send, receive = wake.channel()
    stop = threading.Event()
    jobs.start()
    try:
        wake.listen(receive, jobs, stop.is_set)
        with app.app_context():
            Job.create(name="test.ping", payload={})  # persisted, nobody told: the poll is a minute away
        time.sleep(0.5)
        assert not ran.is_set()
        wake.waker(send)()
        assert ran.wait(5), "the side process's runner was not woken"
    finally:
        stop.set()
        jobs.shutdown(wait=True)
        send.close()
        receive.close()


def test_several_workers_give_one_coherent_count_and_one_side_process(postgres_node_env, nodes) -> None:
    world = seed(accounts=2)
    node = Node(postgres_node_env, "--workers", "2")
    nodes.append(node)
    node.wait_ready()
    kids = children(node.child.proc.pid)
    assert len(kids) == 3 and sum("kernel.serving.node" in k for k in kids) == 1, kids
    sockets = [connect_socket(node.url.replace("http", "ws") + "/ws", world.tokens[i % 2]) for i in range(20)]
    for ws in sockets:
        next_event(ws, "hello", 30)
    status, answer = post(f"{node.url}/api/v1/exchanges/{world.exchange_id}/messages", {"body": "Compté une fois"},
                          world.tokens[0])
    assert status == 201, answer
    for ws in sockets[1::2]:  # the other member's sockets, on either worker (the PostgreSQL bus)
        next_event(ws, "message.created", 30)

    counts = set()
    for _ in range(10):  # whichever worker answers the scrape
        text = get(node.url + "/metrics")[1]
        values = dict(line.rsplit(" ", 1) for line in text.splitlines() if line and not line.startswith("#"))
        counts.add((values["relais_sockets_open"], values["relais_messages_sent_total"]))
    for ws in sockets:
        ws.close()

    assert counts == {("20.0", "1.0")}
    assert node.stop() == 0, node.stderr


def test_several_workers_need_postgresql(node_env) -> None:
    seed(accounts=2)
    done = subprocess.run([*RELAIS, "serve", "--port", "0", "--workers", "2"], env=node_env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 1
    assert "2 processus de service demandent PostgreSQL" in done.stderr and "Traceback" not in done.stderr



def test_the_side_process_ends_with_an_arbiter_killed_outright(node_env, nodes) -> None:
    seed(accounts=2)
    node = Node({**node_env, "RELAIS_LOG_LEVEL": "INFO"})
    nodes.append(node)
    node.wait_ready()
    deadline = time.monotonic() + START_SECONDS
    while "SMTP receiver listening" not in node.stderr and time.monotonic() < deadline:
        time.sleep(0.2)  # the side process is up: its services run
    side = next(int(line.split()[0]) for line in subprocess.run(
        ["ps", "-o", "pid=,args=", "--ppid", str(node.child.proc.pid)], capture_output=True, text=True
    ).stdout.splitlines() if "kernel.serving.node" in line)

    node.child.proc.kill()  # SIGKILL: no hook of the arbiter runs
    node.child.proc.wait()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and _running(side):
        time.sleep(0.1)

    assert not _running(side), "the side process outlived its node"


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False
