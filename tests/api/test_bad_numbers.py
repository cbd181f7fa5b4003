"""Numbers no database column can hold get a French 4xx at their field, never a 500 (found by fuzzing
the OpenAPI description with schemathesis: ids beyond 64 bits reached the database driver)."""
from __future__ import annotations

import io

import pytest

from support.factories import bearer, make_account

HUGE = 10**30
TOO_LARGE = ["Nombre trop grand."]


@pytest.fixture
def setting(app, client):
    alice, bob = make_account("alice"), make_account("bob")
    headers = bearer(alice)
    exchange_id = client.post("/api/v1/channels/test_chat/exchanges", headers=headers, json={
        "acting_as": alice.identity_id, "members": [bob.identity_id], "subject": "S", "body": "Bonjour"}
    ).json["exchange"]["id"]
    attachment_id = client.post("/api/v1/attachments", headers=headers, content_type="multipart/form-data",
                                data={"file": (io.BytesIO(b"%PDF-1.4 x"), "cr.pdf")}).json["attachment"]["id"]
    return alice, bob, headers, exchange_id, attachment_id


@pytest.mark.parametrize("path", ["/api/v1/exchanges/{huge}", "/api/v1/exchanges/{huge}/messages",
                                  "/api/v1/exchanges/{huge}/receipts", "/api/v1/attachments/{huge}",
                                  "/api/v1/patients/{huge}"])
def test_an_id_beyond_64_bits_in_a_path_is_not_found(client, setting, path):
    r = client.get(path.format(huge=HUGE), headers=setting[2])
    assert r.status_code == 404 and r.json["errors"]["_schema"]


def test_huge_numbers_in_bodies_are_refused_at_their_field(client, setting):
    alice, bob, headers, exchange_id, attachment_id = setting
    cases = [
        (f"/api/v1/exchanges/{exchange_id}/messages", {"body": "x", "acting_as": HUGE}, "acting_as"),
        (f"/api/v1/exchanges/{exchange_id}/messages", {"body": "x", "attachments": [HUGE]}, "attachments"),
        ("/api/v1/channels/test_chat/exchanges", {"acting_as": alice.identity_id, "members": [HUGE],
                                                  "subject": "S", "body": "x"}, "members"),
        ("/api/v1/channels/test_chat/exchanges", {"acting_as": alice.identity_id, "members": [bob.identity_id],
                                                  "patient": HUGE, "subject": "S", "body": "x"}, "patient"),
        (f"/api/v1/exchanges/{exchange_id}/members", {"members": [HUGE]}, "members"),
        (f"/api/v1/exchanges/{exchange_id}/read", {"up_to": HUGE}, "up_to"),
        (f"/api/v1/exchanges/{exchange_id}/synthesis", {"messages": [HUGE]}, "messages"),
        (f"/api/v1/attachments/{attachment_id}/integrate", {"exchange": HUGE, "target": "x"}, "exchange"),
    ]
    for url, body, field in cases:
        r = client.post(url, headers=headers, json=body)
        assert r.status_code == 422, (url, r.json)
        assert str(r.json["errors"][field]).count("Nombre trop grand.") >= 1, (url, r.json)
    r = client.patch(f"/api/v1/exchanges/{exchange_id}", headers=headers, json={"subject": "T", "status": "x" * 3,
                                                                                 "patient": -HUGE})
    assert r.status_code == 422 and r.json["errors"]["patient"] == TOO_LARGE


def test_the_largest_id_is_still_a_number_and_merely_unknown(client, setting):
    headers, exchange_id = setting[2], setting[3]
    r = client.post(f"/api/v1/exchanges/{exchange_id}/messages", headers=headers,
                    json={"body": "x", "attachments": [2**63 - 1]})
    assert r.status_code == 422 and "introuvable" in r.json["errors"]["attachments"][0]
    assert client.get(f"/api/v1/exchanges/{2**63 - 1}", headers=headers).status_code == 404


@pytest.mark.parametrize("query", ["/api/v1/exchanges?patient={huge}", "/api/v1/exchanges/{exchange}/messages?before={huge}",
                                   "/api/v1/exchanges?offset={huge}"])
def test_huge_numbers_in_query_strings_are_refused(client, setting, query):
    r = client.get(query.format(huge=HUGE, exchange=setting[3]), headers=setting[2])
    assert r.status_code == 400, r.json
    assert list(r.json["errors"].values()) == [TOO_LARGE]


def test_a_synthesis_request_is_described_by_its_schema(client, setting):
    headers, exchange_id = setting[2], setting[3]
    r = client.post(f"/api/v1/exchanges/{exchange_id}/synthesis", headers=headers, json={"messages": "tous"})
    assert r.status_code == 422 and r.json["errors"]["messages"] == ["Une liste est attendue."]
    r = client.post(f"/api/v1/exchanges/{exchange_id}/synthesis", headers=headers, json={"pages": 2})
    assert r.status_code == 422 and r.json["errors"]["pages"] == ["Champ inconnu."]
