"""A gunicorn node on SQLite (the in-process event bus): what the side process publishes, a mail its SMTP receiver
takes in, reaches the worker's sockets (kernel/serving/relay.py); the worker's own events still do."""
from __future__ import annotations

import smtplib
import time
from email.message import EmailMessage

from cli.test_cli_subprocess import free_port
from kernel import create_app
from kernel.config import load_config
from kernel.testing import connect_socket, make_account, next_event
from kernel.testing.factories import bearer
from serving.conftest import Node, post

ADDRESS = "dr.martin@relais.mssante.fr"


def test_a_mail_received_by_the_side_process_reaches_the_worker_socket(node_env, nodes, monkeypatch) -> None:
    smtp_port = free_port()
    extra = {"RELAIS_PLUGINS": "conversation,mssante_mail", "RELAIS_MAIL_RECEIVER_PORT": str(smtp_port)}
    for key, value in extra.items():
        monkeypatch.setenv(key, value)
    node_env.update(extra)
    app = create_app(load_config({}), migrate=True)
    with app.app_context():
        doctor = make_account("martin", "Jeanne", "Martin", addresses=(ADDRESS,))
        colleague = make_account("durand", "Paul", "Durand")
        token, other = bearer(doctor), bearer(colleague)
        exchange = app.test_client().post("/api/v1/channels/conversation/exchanges", headers=other, json={
            "acting_as": colleague.identity_id, "members": [doctor.identity_id], "subject": "Dans le worker",
            "body": "Premier message."})
        assert exchange.status_code == 201, exchange.get_data(as_text=True)
    app.extensions["relais"].database.close_all()
    node = Node(node_env)
    nodes.append(node)
    node.wait_ready()
    ws = connect_socket(node.url.replace("http", "ws") + "/ws", token)
    assert next_event(ws, "hello")["type"] == "hello"

    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "dr.leroy@autre.mssante.fr", ADDRESS, "Compte rendu de Mme B."
    mail["Message-ID"] = "<relay-1@autre.mssante.fr>"
    mail.set_content("Bonjour, voici le compte rendu.")
    with _smtp(smtp_port) as smtp:
        refused = smtp.send_message(mail)
    assert refused == {}

    event = next_event(ws, "exchange.created", timeout=15)  # published by the side process, after its commit
    assert event["exchange_id"] != exchange.json["exchange"]["id"]

    # The worker's own events still arrive, once.
    status, answer = post(f"{node.url}/api/v1/exchanges/{exchange.json['exchange']['id']}/messages",
                          {"body": "En direct ?"}, other)
    assert status == 201, answer
    created = next_event(ws, "message.created", timeout=15)
    while created["exchange_id"] != exchange.json["exchange"]["id"]:  # the mail's own message came first
        created = next_event(ws, "message.created", timeout=15)
    assert created["data"]
    ws.close()


def _smtp(port: int) -> smtplib.SMTP:
    """The receiver, once the side process (started after the workers are ready) listens."""
    deadline = time.monotonic() + 60
    while True:
        try:
            return smtplib.SMTP("127.0.0.1", port, timeout=10)
        except ConnectionRefusedError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_an_event_too_large_for_a_datagram_becomes_a_resync() -> None:
    from kernel.serving import relay
    from kernel.services.events import Event

    side, worker = relay.channel()
    forward = relay.forwarder(side)
    small = Event("message.created", 7, (1, 2), {"body": "Court."})
    forward(small)
    assert Event.from_json(worker.recv(relay.BUFFER_BYTES).decode()) == small
    forward(Event("message.created", 7, (1,), {"body": "x" * (8 * 1024 * 1024)}))
    assert worker.recv(relay.BUFFER_BYTES) == relay.RESYNC
    side.close()
    worker.close()
