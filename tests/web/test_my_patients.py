"""« Mes patients »: the top-bar link, the page, the patient page's way back, and the cost of a patient's
exchanges across channels (a fixed number of queries, whatever the number of rows)."""
from __future__ import annotations

import html
import re

import pytest

from plugins.conversation import hooks as conversation
from support.chat_channel import ChatChannel
from support.factories import PASSWORD, bearer, make_account, make_patient
from support.query_counter import count_queries

PLUGINS = [("conversation", conversation), ("test_chat", ChatChannel())]


@pytest.fixture
def two_channels(make_app, backend):
    return make_app(backend, plugins=PLUGINS)


def signed_in(app, login="alice"):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
    r = client.post("/login", data={"login": login, "password": PASSWORD, "next": "", "csrf_token": token})
    assert r.status_code == 302
    return client


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_top_bar_leads_to_my_patients_and_a_patient_page_leads_back(two_channels):
    with two_channels.app_context():
        alice = make_account("alice", "Alice", "Martin")
        patient = make_patient(in_care_of=alice)
    client = signed_in(two_channels)
    inbox = html.unescape(client.get("/").get_data(as_text=True))
    assert re.search(r'<a id="shell_patients" class="nav-item" href="/patients"[^>]*><span class="nav-label">'
                     r'Mes patients</span>', inbox)
    page = html.unescape(client.get("/patients").get_data(as_text=True))
    assert "<h1 id=\"patients-titre\">Mes patients</h1>" in page
    assert re.search(r'<a id="shell_patients" class="nav-item" href="/patients" aria-current="true"', page)
    assert 'aria-current' not in inbox.split('id="shell_patients"', 1)[1].split(">", 1)[0]
    assert 'label for="patients-q">Rechercher un patient</label>' in page and "js/patients.js" in page
    one = html.unescape(client.get(f"/patients/{patient.id}").get_data(as_text=True))
    assert '<a href="/patients">Mes patients</a>' in one


@pytest.mark.parametrize("backend", ["sqlite"])
def test_signed_out_the_page_asks_to_sign_in(two_channels):
    r = two_channels.test_client().get("/patients")
    assert r.status_code == 302 and r.headers["Location"].startswith("/login?next=")


def _exchanges(app, client, url, headers):
    client.get(url, headers=headers)  # steady state: the token's "last used" stamp is written once a minute
    with count_queries(app) as seen:
        r = client.get(url, headers=headers)
        assert r.status_code == 200, r.json
    return len(seen), r.json["exchanges"]


def test_a_patients_exchanges_of_every_channel_newest_first_at_a_fixed_cost(two_channels):
    client = two_channels.test_client()
    with two_channels.app_context():
        alice, bob = make_account("alice", "Alice", "Martin"), make_account("bob", "Bob", "Durand")
        patient, other = make_patient(in_care_of=alice), make_patient("Jean", "DUPONT", "M", in_care_of=alice)
        alice_headers, bob_headers = bearer(alice), bearer(bob)

    def one_each(n):
        for i in range(n):
            for channel in ("conversation", "test_chat"):
                r = client.post(f"/api/v1/channels/{channel}/exchanges", headers=alice_headers, json={
                    "acting_as": alice.identity_id, "members": [bob.identity_id], "patient": patient.id,
                    "subject": f"{channel} {i}", "body": "Bonjour"})
                assert r.status_code == 201, r.json
        r = client.post("/api/v1/channels/test_chat/exchanges", headers=alice_headers, json={
            "acting_as": alice.identity_id, "members": [bob.identity_id], "patient": other.id,
            "subject": "Autre patient", "body": "Bonjour"})
        assert r.status_code == 201, r.json

    url = f"/api/v1/exchanges?patient={patient.id}&limit=200"
    one_each(1)
    few, rows = _exchanges(two_channels, client, url, bob_headers)
    assert {row["channel"] for row in rows} == {"conversation", "test_chat"}
    assert all(row["unread"] == 1 for row in rows), rows  # Bob has read none of them yet
    one_each(6)
    many, rows = _exchanges(two_channels, client, url, bob_headers)
    assert len(rows) == 14 and "Autre patient" not in {row["subject"] for row in rows}
    stamps = [row["last_message_at"] for row in rows]
    assert stamps == sorted(stamps, reverse=True)  # newest first
    assert many == few, (few, many)


def test_my_patients_list_says_how_many_exchanges_and_unread_messages_at_a_fixed_cost(two_channels):
    client = two_channels.test_client()
    with two_channels.app_context():
        alice, bob = make_account("alice", "Alice", "Martin"), make_account("bob", "Bob", "Durand")
        alice_headers, bob_headers = bearer(alice), bearer(bob)

    def fill(start, n):
        for i in range(start, start + n):
            with two_channels.app_context():
                patient = make_patient(f"Prénom{i}", "MARTIN", "M", ins=None, in_care_of=alice)
            for channel in ("conversation", "test_chat"):
                r = client.post(f"/api/v1/channels/{channel}/exchanges", headers=alice_headers, json={
                    "acting_as": alice.identity_id, "members": [bob.identity_id], "patient": patient.id,
                    "subject": f"{channel} {i}", "body": "Bonjour"})
                assert r.status_code == 201, r.json
            r = client.post(f"/api/v1/exchanges/{r.json['exchange']['id']}/messages", headers=bob_headers,
                            json={"body": "Reçu"})
            assert r.status_code == 201, r.json

    def listed(url):
        client.get(url, headers=alice_headers)
        with count_queries(two_channels) as seen:
            r = client.get(url, headers=alice_headers)
            assert r.status_code == 200, r.json
        return len(seen), r.json["patients"]

    fill(0, 1)
    few, rows = listed("/api/v1/patients?activity=1&limit=50")
    # Bob's answer is unread; Alice's own messages are not.
    assert [(p["exchange_count"], p["unread_count"]) for p in rows] == [(2, 1)]
    plain = client.get("/api/v1/patients?q=martin", headers=alice_headers).json["patients"]
    assert "exchange_count" not in plain[0] and "unread_count" not in plain[0]  # the picker does not pay for it
    fill(1, 8)
    many, rows = listed("/api/v1/patients?activity=1&limit=50")
    assert len(rows) == 9 and {(p["exchange_count"], p["unread_count"]) for p in rows} == {(2, 1)}
    searched, rows = listed("/api/v1/patients?q=martin&activity=1&limit=50")
    assert len(rows) == 9
    assert many == few, (few, many)
    # Bob, member of their exchanges, has them in his care too.
    bobs = client.get("/api/v1/patients?activity=1&limit=50", headers=bob_headers).json
    assert bobs["recent"] is True and len(bobs["patients"]) == 9
    assert {p["exchange_count"] for p in bobs["patients"]} == {2}
    assert client.get("/api/v1/patients?activity=1&birth_name=MARTIN&first_names=Prénom1&birth_date=1901-03-27"
                      "&sex=M", headers=alice_headers).status_code == 200  # the reach by traits takes it too
