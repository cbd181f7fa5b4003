"""Live events across instances (event_backend = "postgres"): LISTEN/NOTIFY on the platform's database."""
from __future__ import annotations

import datetime as dt
import json

import psycopg2
import pytest
import simple_websocket

from kernel.config import ConfigError, load_config
from kernel.core_hooks import purge_live_events
from kernel.models import LiveEvent
from kernel.testing import connect_socket
from support.factories import bearer, make_account
from support.live_server import LiveServer, next_event

pytestmark = pytest.mark.postgres


def _events(ws, timeout: float = 5.0) -> list[dict]:
    """Every event the socket receives until it stays quiet for ``timeout``."""
    out = []
    while (raw := ws.receive(timeout=timeout)) is not None:
        out.append(json.loads(raw))
    return out


@pytest.fixture
def people(instances):
    a, _ = instances
    with a.app_context():
        return make_account("alice"), make_account("bob"), make_account("carol")


def _socket(app, url: str, account) -> simple_websocket.Client:
    with app.app_context():
        headers = bearer(account)
    ws = connect_socket(url.replace("http://", "ws://") + "/ws", headers)
    assert next_event(ws, "hello")["account_id"] == account.id
    assert app.extensions["relais"].events._backend.listening.wait(5), "the instance never listened"
    return ws


def _start(app, author, members, body: str) -> int:
    with app.app_context():
        r = app.test_client().post("/api/v1/channels/test_chat/exchanges", headers=bearer(author), json={
            "acting_as": author.identity_id, "members": [m.identity_id for m in members], "subject": "S",
            "body": body})
    assert r.status_code == 201, r.json
    return r.json["exchange"]["id"]


def test_a_message_sent_on_one_instance_reaches_sockets_on_the_other_once(instances, people):
    a, b = instances
    alice, bob, carol = people
    with LiveServer(a) as url_a, LiveServer(b) as url_b:
        bob_on_b, bob_on_a, carol_on_b = _socket(b, url_b, bob), _socket(a, url_a, bob), _socket(b, url_b, carol)
        # Listening takes a connection of its own: none of the pool's is held once the sockets are up.
        assert b.extensions["relais"].database._in_use == {} and a.extensions["relais"].database._in_use == {}
        exchange_id = _start(a, alice, [bob], "Envoyé par l'instance A")
        for ws in (bob_on_b, bob_on_a):
            event = next_event(ws, "message.created")
            assert (event["exchange_id"], event["data"]["body"]) == (exchange_id, "Envoyé par l'instance A")
            # Delivered once: the publisher's own notification, coming back, is not delivered again.
            assert [e["type"] for e in _events(ws, 1.0)].count("message.created") == 0
        assert carol_on_b.receive(timeout=1.0) is None  # not a member: nothing, on any instance
        for ws in (bob_on_b, bob_on_a, carol_on_b):
            ws.close()


def test_a_message_too_large_for_notify_goes_through_the_table(instances, people):
    a, b = instances
    alice, bob, _ = people
    body = "Compte rendu détaillé. " * 1000  # 23,000 characters, far beyond a NOTIFY payload
    with LiveServer(b) as url_b:
        ws = _socket(b, url_b, bob)
        _start(a, alice, [bob], body)
        assert next_event(ws, "message.created")["data"]["body"] == body.strip()
        ws.close()
    with a.app_context():
        assert LiveEvent.select().count() == 1
        purge_live_events({})
        assert LiveEvent.select().count() == 1  # read within seconds, kept minutes
        LiveEvent.update(created_at=LiveEvent.created_at - dt.timedelta(minutes=11)).execute()
        purge_live_events({})
        assert LiveEvent.select().count() == 0


def test_a_platform_in_another_schema_hears_nothing(instances, people, make_app):
    a, _ = instances
    alice, bob, _ = people
    other = make_app("postgres", event_backend="postgres", name="other")
    with other.app_context():  # the same account ids as platform A's: only the channel tells them apart
        stranger = [make_account(login) for login in ("alice", "bob")][-1]
    assert stranger.id == bob.id
    with LiveServer(other) as url:
        ws = _socket(other, url, stranger)
        _start(a, alice, [bob], "Pour la plateforme A seulement")
        assert ws.receive(timeout=1.5) is None
        ws.close()


def test_a_lost_listening_connection_makes_sockets_resync_then_recovers(instances, people, postgres_url):
    a, b = instances
    alice, bob, _ = people
    backend = b.extensions["relais"].events._backend
    with LiveServer(b) as url_b:
        ws = _socket(b, url_b, bob)
        cut = backend.listener_pid
        conn = psycopg2.connect(postgres_url)
        conn.autocommit = True
        conn.cursor().execute("SELECT pg_terminate_backend(%s)", (cut,))
        conn.close()
        # Whatever was published while B was deaf is missed: its sockets are told to reload.
        next_event(ws, "resync", timeout=8)
        assert backend.listening.wait(8) and backend.listener_pid != cut
        _start(a, alice, [bob], "Après la reconnexion")
        assert next_event(ws, "message.created")["data"]["body"] == "Après la reconnexion"
        ws.close()


def test_the_postgres_backend_needs_a_postgres_database(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_config({"data_dir": str(tmp_path), "event_backend": "postgres"}, environ={})
    assert "database_url doit donc désigner une base PostgreSQL (actuellement sqlite)" in str(caught.value)
    with pytest.raises(ConfigError) as caught:
        load_config({"data_dir": str(tmp_path), "event_backend": "redis"}, environ={})
    assert "valeurs possibles : local, postgres" in str(caught.value)


def test_the_notify_travels_with_the_commit_of_what_it_announces(instances, people):
    """The NOTIFY is sent inside the publishing transaction, in its COMMIT's round trip (kernel.services.events.
    HeldEvents): one commit and one WAL flush per send, where a NOTIFY after the commit was a second transaction.
    PostgreSQL delivers it on commit only: the other instance hears it as before."""
    a, b = instances
    alice, bob, _ = people
    sent: list[str] = []

    class Counting(psycopg2.extensions.cursor):
        def execute(self, sql, params=None):  # noqa: ANN001
            sent.append(sql if isinstance(sql, str) else sql.decode())
            return super().execute(sql, params)

    db = a.extensions["relais"].database
    db.close_all()
    db.connect_params["cursor_factory"] = Counting
    try:
        with LiveServer(b) as url_b:
            ws = _socket(b, url_b, bob)
            _start(a, alice, [bob], "Une seule validation")
            assert next_event(ws, "exchange.created") and next_event(ws, "message.created")["data"]["body"] == \
                "Une seule validation"
            ws.close()
    finally:
        db.close_all()
        del db.connect_params["cursor_factory"]
    notifying = [s for s in sent if "pg_notify" in s]
    assert len(notifying) == 1, sent  # both events' NOTIFYs (the first one prepares the statement) in one trip
    assert notifying[0].endswith("; COMMIT") and notifying[0].count("EXECUTE ") >= 2, notifying
    assert not any(s == "COMMIT" for s in sent), sent  # no transaction of its own, before or after
