"""The inbox and a thread cost a fixed number of queries, whatever the number of exchanges or messages."""
from __future__ import annotations

import io

from support.factories import bearer, make_account, make_patient
from support.query_counter import count_queries


def _fill(client, alice, bob, exchanges: int, messages: int) -> int:
    headers_a, headers_b = bearer(alice), bearer(bob)
    patient = make_patient(in_care_of=alice)
    up = client.post("/api/v1/attachments", headers=headers_a, content_type="multipart/form-data",
                     data={"file": (io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"0" * 64), "photo.png")})
    last = 0
    for n in range(exchanges):
        r = client.post("/api/v1/channels/test_chat/exchanges", headers=headers_a, json={
            "acting_as": alice.identity_id, "members": [bob.identity_id], "subject": f"Échange {n}",
            "patient": patient.id, "body": "Premier", "attachments": [up.json["attachment"]["id"]]})
        last = r.json["exchange"]["id"]
        for m in range(messages):
            client.post(f"/api/v1/exchanges/{last}/messages", headers=headers_b, json={"body": f"Réponse {m}"})
    return last


def _queries(app, client, url, headers) -> int:
    client.get(url, headers=headers)  # steady state: the token's "last used" stamp is written once a minute
    with count_queries(app) as seen:
        assert client.get(url, headers=headers).status_code == 200
    return len(seen)


def test_inbox_queries_do_not_grow_with_exchanges(app, client):
    alice, bob = make_account("alice"), make_account("bob")
    headers = bearer(bob)
    _fill(client, alice, bob, exchanges=2, messages=1)
    few = _queries(app, client, "/api/v1/exchanges?space=chat", headers)
    _fill(client, alice, bob, exchanges=15, messages=2)
    many = _queries(app, client, "/api/v1/exchanges?space=chat", headers)
    assert many == few, (few, many)
    assert few <= 8


def test_thread_queries_do_not_grow_with_messages(app, client):
    alice, bob = make_account("alice"), make_account("bob")
    headers = bearer(alice)
    small = _fill(client, alice, bob, exchanges=1, messages=2)
    few = _queries(app, client, f"/api/v1/exchanges/{small}/messages", headers)
    big = _fill(client, alice, bob, exchanges=1, messages=25)
    many = _queries(app, client, f"/api/v1/exchanges/{big}/messages", headers)
    assert many == few, (few, many)
    assert few <= 6


def test_a_reply_costs_a_fixed_handful_of_statements(app, client, backend):
    """The live conversation's hot path (issue 4's latency): every statement of a reply is counted, so
    one more lookup per message, or one per member, shows here."""
    alice, bob = make_account("alice"), make_account("bob")
    others = [make_account(f"m{n}") for n in range(8)]
    exchange_id = client.post("/api/v1/channels/test_chat/exchanges", headers=bearer(alice), json={
        "acting_as": alice.identity_id, "members": [bob.identity_id] + [o.identity_id for o in others],
        "subject": "Réunion", "body": "Bonjour"}).json["exchange"]["id"]
    headers = bearer(bob)
    url = f"/api/v1/exchanges/{exchange_id}/messages"
    client.post(url, headers=headers, json={"body": "Premier"})  # the token's "last used" stamp, once a minute
    with count_queries(app) as seen:
        assert client.post(url, headers=headers, json={"body": "Réponse"}).status_code == 201
    # Token (with its account), the account's identities, its membership, the exchange, the acting-as
    # identity; then the message, the message box's draft (removed), the exchange's date, the author's read
    # mark, the audience of the live event and the audit line. Not one per member, nothing for the response.
    # On PostgreSQL the writes whose result nobody reads (the exchange's date, the read mark, the draft) travel
    # with the next statement, the audience's (kernel.services.sending.write_together), and the audit line with
    # the COMMIT (kernel/db_prepared.py ``defer``): what is counted here is the statements the app runs itself,
    # each its own round trip (the COMMIT is not counted).
    assert len(seen) == (11 if backend == "sqlite" else 7), seen


def test_a_reply_with_an_idempotency_key_costs_three_statements_more(app, client, backend):
    """Every browser send carries an Idempotency-Key (the composer's outbox): its answer is looked up, the key
    taken, and the answer stored with the clean-up of expired keys. On PostgreSQL only the look-up is a round
    trip of its own: the key travels with the message's INSERT, the answer and the clean-up with the COMMIT."""
    alice, bob = make_account("alice"), make_account("bob")
    exchange_id = client.post("/api/v1/channels/test_chat/exchanges", headers=bearer(alice), json={
        "acting_as": alice.identity_id, "members": [bob.identity_id], "subject": "Réunion",
        "body": "Bonjour"}).json["exchange"]["id"]
    headers = bearer(bob)
    url = f"/api/v1/exchanges/{exchange_id}/messages"
    client.post(url, headers={**headers, "Idempotency-Key": "k-0"}, json={"body": "Premier"})
    with count_queries(app) as plain:
        assert client.post(url, headers=headers, json={"body": "Sans clé"}).status_code == 201
    with count_queries(app) as keyed:
        assert client.post(url, headers={**headers, "Idempotency-Key": "k-1"},
                           json={"body": "Réponse"}).status_code == 201
    assert len(keyed) - len(plain) == (4 if backend == "sqlite" else 1), keyed
    with count_queries(app) as replayed:  # the same key again: the first answer, read once, nothing written
        r = client.post(url, headers={**headers, "Idempotency-Key": "k-1"}, json={"body": "Réponse"})
    assert r.status_code == 201 and r.headers["Idempotent-Replayed"] == "true"
    assert len(replayed) <= 6, replayed
