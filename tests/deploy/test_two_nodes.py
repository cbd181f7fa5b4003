"""Two nodes on one PostgreSQL behind nginx, as docs/deployment.md describes them.

The example nginx configuration (docs/deployment/nginx.conf) runs as written, on loopback ports with a
throwaway certificate; the nodes are real ``relais serve`` processes sharing a database schema, a secret
and an attachments folder, after one ``relais migrate``. Checked: a message posted on one node reaches
sockets on the other, directly and through nginx (no sticky sessions); a file uploaded on one node is
read from the other; jobs queued while both nodes' runners poll each run once, and a recurring job both
nodes schedule runs once per time slot; a node killed (SIGKILL)
in the middle of sends loses none: the client sends again with its Idempotency-Key to the other node
and each message is stored exactly once.
"""
from __future__ import annotations

import concurrent.futures
import datetime as dt
import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from kernel import create_app
from kernel.cli import cli
from kernel.db import write_transaction
from kernel.models import Job, Message
from kernel.models.job import DONE
from support.factories import bearer, make_account

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "deployment" / "nginx.conf"
RELAIS = str(Path(sys.executable).with_name("relais"))
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
PORTS = range(8180, 8200)  # this test's loopback ports


def free_ports(count: int) -> list[int]:
    found = []
    for port in PORTS:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        found.append(port)
        if len(found) == count:
            return found
    pytest.skip(f"fewer than {count} free ports in {PORTS}")


def wait_until(check, seconds: float = 15.0, what: str = "") -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def call(host: str, method: str, path: str, headers: dict | None = None, body: bytes | str | None = None,
         tls: bool = False, timeout: float = 10) -> tuple[int, dict, bytes]:
    if tls:
        conn = http.client.HTTPSConnection(host, timeout=timeout, context=ssl._create_unverified_context())
    else:
        conn = http.client.HTTPConnection(host, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


class Node:
    """``relais serve`` in a process group of its own (a gunicorn master and its workers die together)."""

    def __init__(self, env: dict[str, str], port: int, log: Path) -> None:
        self.port = port
        self.log = open(log, "w")
        self.process = subprocess.Popen([RELAIS, "serve", "--host", "127.0.0.1", "--port", str(port)], env=env,
                                        stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.host = f"127.0.0.1:{port}"

    def ready(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"node on {self.port} exited: {Path(self.log.name).read_text()[-2000:]}")
        return call(self.host, "GET", "/readyz", timeout=2)[0] == 200

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


def self_signed(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "relais.example.org")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1)).sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "fullchain.pem", folder / "privkey.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def start_nginx(folder: Path, nodes: list[int], https_port: int, http_port: int) -> subprocess.Popen:
    """The example configuration as written, only its addresses and certificate paths changed."""
    if not Path(NGINX).exists():
        pytest.skip("nginx is not installed (scripts/quickstart --test installs it)")
    site = EXAMPLE.read_text()
    folder.mkdir()
    cert, key = self_signed(folder)
    for old, new in (("127.0.0.1:8001", f"127.0.0.1:{nodes[0]}"), ("127.0.0.1:8002", f"127.0.0.1:{nodes[1]}"),
                     ("listen 443 ssl", f"listen 127.0.0.1:{https_port} ssl"),
                     ("listen 80;", f"listen 127.0.0.1:{http_port};"),
                     ("/etc/ssl/relais/fullchain.pem", str(cert)), ("/etc/ssl/relais/privkey.pem", str(key))):
        assert old in site, f"{old!r} is no longer in {EXAMPLE}: update this test with it"
        site = site.replace(old, new)
    (folder / "relais.conf").write_text(site)
    temp = folder / "temp"
    temp.mkdir()
    (folder / "nginx.conf").write_text(f"""
worker_processes 1;
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 512; }}
http {{
    access_log off;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {folder}/relais.conf;
}}
""")
    check = subprocess.run([NGINX, "-t", "-p", str(folder), "-c", str(folder / "nginx.conf")],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    return subprocess.Popen([NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class Listener(threading.Thread):
    """A member's live socket: the message ids it receives, in order."""

    def __init__(self, url: str, token: str, tls: bool = False) -> None:
        super().__init__(daemon=True)
        self.url, self.token, self.tls = url, token, tls
        self.ids: list[int] = []
        self.ws = None
        self.ready = threading.Event()
        self.start()
        assert self.ready.wait(15) and self.ws is not None, f"no hello on {url}"

    def run(self) -> None:
        from websockets.sync.client import connect

        try:
            with connect(self.url, additional_headers={"Authorization": f"Bearer {self.token}"}, proxy=None,
                         ssl=ssl._create_unverified_context() if self.tls else None, open_timeout=10) as ws:
                hello = json.loads(ws.recv(timeout=10))
                assert hello["type"] == "hello", hello
                self.ws = ws
                self.ready.set()
                for raw in ws:
                    event = json.loads(raw)
                    if event["type"] == "message.created":
                        self.ids.append(event["data"]["id"])
        except Exception:
            return
        finally:
            self.ready.set()

    def close(self) -> None:
        if self.ws is not None:
            self.ws.close()


def test_two_nodes_behind_nginx(postgres_schema, tmp_path):
    database_url = postgres_schema()
    shared = tmp_path / "attachments"  # the folder every node mounts (NFS, a shared volume...)
    shared.mkdir()
    node_a_port, node_b_port, https_port, http_port = free_ports(4)
    env = {**os.environ, "RELAIS_DATABASE_URL": database_url, "RELAIS_SECRET_KEY": uuid.uuid4().hex * 2,
           "RELAIS_ATTACHMENTS_DIR": str(shared), "RELAIS_EVENT_BACKEND": "postgres",
           "RELAIS_PLUGINS": "conversation,visio", "RELAIS_MAIL_INBOUND": "none", "RELAIS_BEHIND_TLS": "true",
           "RELAIS_PROXY_COUNT": "1", "RELAIS_JOBS_POLL_SECONDS": "0.2", "RELAIS_LOG_LEVEL": "WARNING",
           "RELAIS_DATABASE_POOL_SIZE": "10"}  # as docs/deployment.md says: the nodes' pools fit max_connections
    env.pop("RELAIS_CONFIG", None)

    # One migration run, before any node starts: `relais migrate`, in this process (one interpreter less to start).
    migrated = CliRunner().invoke(cli, ["migrate"], env={**env, "RELAIS_DATA_DIR": str(tmp_path / "migrate")},
                                  prog_name="relais")
    assert migrated.exit_code == 0, migrated.output

    app = create_app({"data_dir": str(tmp_path / "test"), "database_url": database_url, "plugins": ["conversation"],
                      "event_backend": "postgres", "log_level": "WARNING"})
    nodes: list[Node] = []
    listeners: list[Listener] = []
    nginx = None
    try:
        # The nodes start while this process writes the accounts.
        nodes = [Node({**env, "RELAIS_DATA_DIR": str(tmp_path / name)}, port, tmp_path / f"{name}.log")
                 for name, port in (("a", node_a_port), ("b", node_b_port))]
        node_a, node_b = nodes
        with app.app_context():
            alice, bob, carole = make_account("alice"), make_account("bob", "Bob"), make_account("carole", "Carole")
            a_headers, b_headers, c_headers = bearer(alice), bearer(bob), bearer(carole)
            relais = app.extensions["relais"]
            exchange, _ = relais.sender.start_exchange("conversation", alice, {
                "acting_as": alice.identity_id, "subject": "Deux nœuds",
                "members": [bob.identity_id, carole.identity_id]})
        relais.database.close_all()

        for node in nodes:
            wait_until(node.ready, 30, f"node {node.port} ready")
        nginx = start_nginx(tmp_path / "nginx", [node_a_port, node_b_port], https_port, http_port)
        front = f"127.0.0.1:{https_port}"
        wait_until(lambda: call(front, "GET", "/healthz", tls=True, timeout=2)[0] == 200, 10, "nginx")
        # Plain HTTP is sent to HTTPS.
        status, headers, _ = call(f"127.0.0.1:{http_port}", "GET", "/")
        assert status == 301 and headers["Location"].startswith("https://")

        # Bob listens on node B directly, Carole through nginx (whichever node it picks).
        bob_b = Listener(f"ws://{node_b.host}/ws", b_headers["Authorization"].split()[1])
        carole_front = Listener(f"wss://{front}/ws", c_headers["Authorization"].split()[1], tls=True)
        listeners = [bob_b, carole_front]

        def post(host: str, body: str, headers: dict, tls: bool = False, key: str | None = None):
            extra = {"Idempotency-Key": key} if key else {}
            return call(host, "POST", f"/api/v1/exchanges/{exchange.id}/messages", tls=tls,
                        headers={**headers, **extra, "Content-Type": "application/json"},
                        body=json.dumps({"body": body}))

        # A message posted on node A reaches the socket on node B, and the one behind nginx.
        status, _, raw = post(node_a.host, "Depuis le nœud A", a_headers)
        assert status == 201, raw
        first = json.loads(raw)["message"]["id"]
        wait_until(lambda: first in bob_b.ids and first in carole_front.ids, 10, "the message on both sockets")

        # Through nginx, without sticky sessions: requests go to both nodes, every socket gets every message.
        posted = []
        for n in range(6):
            status, _, raw = post(front, f"Par nginx {n}", a_headers, tls=True)
            assert status == 201, raw
            posted.append(json.loads(raw)["message"]["id"])
        wait_until(lambda: all(i in bob_b.ids and i in carole_front.ids for i in posted), 10, "messages via nginx")
        assert len(bob_b.ids) == len(set(bob_b.ids)) == 7 and len(carole_front.ids) == len(set(carole_front.ids)) == 7

        # Shared attachment storage: uploaded through node A, read from node B.
        content = b"%PDF-1.4\n" + os.urandom(2048)
        boundary = uuid.uuid4().hex
        form = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cr.pdf\"\r\n"
                f"Content-Type: application/pdf\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
        status, _, raw = call(node_a.host, "POST", "/api/v1/attachments", body=form, headers={
            **a_headers, "Content-Type": f"multipart/form-data; boundary={boundary}"})
        assert status == 201, raw
        attachment_id = json.loads(raw)["attachment"]["id"]
        status, _, raw = call(node_b.host, "GET", f"/api/v1/attachments/{attachment_id}", headers=a_headers)
        assert status == 200 and raw == content

        # Jobs queued while both nodes' runners poll the same table: each is claimed, and run, once.
        with app.app_context():
            with write_transaction():
                jobs = [relais.jobs.enqueue("kernel.purge_live_events", {"n": n}) for n in range(20)]
            ids = [job.id for job in jobs]

            def all_done() -> bool:
                return Job.select().where(Job.id.in_(ids) & (Job.status == DONE)).count() == len(ids)

            wait_until(all_done, 15, "the jobs run by the nodes")
            assert sorted(j.attempts for j in Job.select().where(Job.id.in_(ids))) == [1] * len(ids)

            # A recurring job both nodes schedule (visio.expire, every 15 s from each node's start): one row
            # per time slot whichever node queues it first, run once.
            def recurring() -> list[Job]:
                return list(Job.select().where(Job.name == "visio.expire").order_by(Job.id))

            wait_until(lambda: any(j.status == DONE for j in recurring()), 30, "the recurring job's first run")
            runs = recurring()
            assert all(j.dedupe_key.startswith("recurring:visio.expire@") for j in runs)
            assert len({j.dedupe_key for j in runs}) == len(runs)
            assert [j.attempts for j in runs if j.status == DONE] == [1] * sum(j.status == DONE for j in runs)
        relais.database.close_all()

        # A node killed in the middle of sends: every send without an answer is sent again, with its key,
        # to the other node; each message is stored once.
        keys = [f"kill-{uuid.uuid4().hex}" for _ in range(30)]
        answers: dict[str, int] = {}

        def send(key: str) -> None:
            try:
                status, _, _ = post(node_a.host, key, a_headers, key=key)
                answers[key] = status
            except (OSError, http.client.HTTPException):
                pass  # the node died with the request: no answer

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            futures = [pool.submit(send, key) for key in keys]
            wait_until(lambda: len(answers) >= 5, 15, "the first answers from node A")
            node_a.kill()
            concurrent.futures.wait(futures)
        unanswered = [k for k in keys if answers.get(k) != 201]
        assert unanswered, "node A answered every send before it died: nothing was killed mid-send"
        replayed = 0
        for key in unanswered:
            status, headers, raw = post(node_b.host, key, a_headers, key=key)
            assert status == 201, raw
            replayed += headers.get("Idempotent-Replayed") == "true"
        # The same through nginx after the node died: it fails over to node B.
        status, _, raw = post(front, "Après la panne", a_headers, tls=True, key=f"after-{uuid.uuid4().hex}")
        assert status == 201, raw
        with app.app_context():
            stored = {}
            for (body,) in Message.select(Message.body).where(Message.exchange == exchange.id).tuples():
                stored[body] = stored.get(body, 0) + 1
        relais.database.close_all()
        assert {k: stored.get(k, 0) for k in keys} == {k: 1 for k in keys}
        assert stored["Après la panne"] == 1
    finally:
        for listener in listeners:
            listener.close()
        if nginx is not None:
            nginx.terminate()
            nginx.wait(10)
        for node in nodes:
            node.stop()
        app.extensions["relais"].database.close_all()
