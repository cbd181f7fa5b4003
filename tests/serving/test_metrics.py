"""/metrics (kernel/metrics.py): Prometheus text for the allowed networks only, with what a node does counted."""
from __future__ import annotations

import time

from kernel.models import Job
from kernel.testing import LiveServer, LiveSocket, bearer, make_account


def scrape(client, address: str = "127.0.0.1") -> tuple[int, dict[str, float]]:
    response = client.get("/metrics", environ_base={"REMOTE_ADDR": address})
    values: dict[str, float] = {}
    if response.status_code != 200:
        return response.status_code, values
    for line in response.get_data(as_text=True).splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            values[name] = float(value)
    return response.status_code, values


def test_metrics_are_for_the_allowed_networks_only_whoever_asks(make_app) -> None:
    app = make_app("sqlite")
    with app.app_context():
        admin = bearer(make_account("admin", is_admin=True))
    client = app.test_client()

    assert scrape(client)[0] == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200
    # Another network: nothing, not even for an administrator, and nothing says there is anything here.
    refused = client.get("/metrics", headers=admin, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert refused.status_code == 404 and b"relais_" not in refused.data

    opened = make_app("sqlite", metrics_allowed_from=["10.0.0.0/8"]).test_client()
    assert scrape(opened, "10.1.2.3")[0] == 200
    assert scrape(opened, "127.0.0.1")[0] == 404  # the list replaces the default, loopback included


def test_sockets_sends_deliveries_and_the_queue_are_counted(make_app) -> None:
    app = make_app("sqlite")
    with app.app_context():
        alice, bob = make_account("alice"), make_account("bob")
        alice_token, bob_token = bearer(alice), bearer(bob)
        bob_identity, alice_identity = bob.identity_id, alice.identity_id
    client = app.test_client()
    with LiveServer(app) as url:
        socket = LiveSocket(url, bob_token)
        _, before = scrape(client)
        created = client.post("/api/v1/channels/test_chat/exchanges", headers=alice_token, json={
            "acting_as": alice_identity, "members": [bob_identity], "subject": "Compté", "body": "Un."})
        assert created.status_code == 201, created.json
        socket.next_event("message.created")
        time.sleep(0.1)  # the socket counts the delivery right after writing it
        _, during = scrape(client)
        socket.close()
        deadline = time.monotonic() + 5
        while scrape(client)[1]["relais_sockets_open"] and time.monotonic() < deadline:
            time.sleep(0.05)
        _, after = scrape(client)

    assert before["relais_sockets_open"] == 1 and after["relais_sockets_open"] == 0
    assert during["relais_messages_sent_total"] == before["relais_messages_sent_total"] + 1
    assert during["relais_deliveries_total"] >= before["relais_deliveries_total"] + 1
    assert during["relais_delivery_latency_seconds_count"] == 1
    assert during['relais_delivery_latency_seconds_bucket{le="+Inf"}'] == 1

    with app.app_context():
        Job.create(name="kernel.purge_live_events", payload={})
        Job.create(name="kernel.purge_live_events", payload={}, status="failed")
    _, queued = scrape(client)
    assert queued["relais_job_queue_depth"] == 1
    assert queued['relais_jobs{status="pending"}'] == 1 and queued['relais_jobs{status="failed"}'] == 1
