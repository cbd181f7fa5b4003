"""The audit search, « Qui a consulté ? » and the CSV export cost a fixed number of queries per page, whatever
the number of lines, accounts and identities on it (names are read once per page, not per line)."""
from __future__ import annotations

from support.factories import bearer, make_account, make_patient
from support.query_counter import count_queries


def _queries(app, client, url, headers, **params) -> int:
    client.get(url, headers=headers, query_string=params)  # steady state: the token's stamp is written once a minute
    with count_queries(app) as seen:
        assert client.get(url, headers=headers, query_string=params).status_code == 200
    return len(seen)


def _activity(client, first, patient, people: int) -> None:
    """``first`` starts an exchange about the patient with each of ``people`` new accounts, who opens it."""
    for _ in range(people):
        other = make_account()
        r = client.post("/api/v1/channels/test_chat/exchanges", headers=bearer(first), json={
            "acting_as": first.identity_id, "members": [other.identity_id], "subject": "Avis",
            "patient": patient.id, "body": "Bonjour"})
        exchange_id = r.json["exchange"]["id"]
        client.get(f"/api/v1/exchanges/{exchange_id}", headers=bearer(other))


def test_pages_cost_the_same_whatever_they_hold(app, client):
    admin = bearer(make_account("admin", is_admin=True))
    first = make_account()
    patient = make_patient(in_care_of=first)
    _activity(client, first, patient, 2)
    few = {url: _queries(app, client, url, admin, **params) for url, params in (
        ("/api/v1/admin/audit", {"per_page": 200}), ("/api/v1/admin/audit/export.csv", {}),
        (f"/api/v1/admin/patients/{patient.id}/consultations", {}))}
    _activity(client, first, patient, 12)
    many = {url: _queries(app, client, url, admin, **params) for url, params in (
        ("/api/v1/admin/audit", {"per_page": 200}), ("/api/v1/admin/audit/export.csv", {}),
        (f"/api/v1/admin/patients/{patient.id}/consultations", {}))}
    assert many == few, (few, many)
    assert few["/api/v1/admin/audit"] <= 5, few
