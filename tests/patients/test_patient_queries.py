"""The patient picker's lists cost a fixed number of queries, whatever the number of patients listed."""
from __future__ import annotations

import datetime as dt

from support.factories import bearer, make_account, make_patient
from support.query_counter import count_queries


def _queries(app, client, url, headers) -> tuple[int, int]:
    client.get(url, headers=headers)  # steady state: the token's "last used" stamp is written once a minute
    with count_queries(app) as seen:
        r = client.get(url, headers=headers)
        assert r.status_code == 200
    return len(seen), len(r.json["patients"])


def _fill(client, alice, bob, n: int, start: int) -> None:
    for i in range(start, start + n):
        # Every other one has a homonym, so the flags have something to find.
        patient = make_patient(f"Prénom{i}", "MARTIN", birth_date=dt.date(1950, 1, 1) + dt.timedelta(days=i),
                               in_care_of=alice)
        if i % 2:  # the homonym is in Alice's care too, or it would neither be found nor flag the other
            make_patient(f"Prénom{i}", "Martin", birth_date=patient.birth_date, in_care_of=alice)
        r = client.post("/api/v1/channels/test_chat/exchanges", headers=bearer(alice), json={
            "acting_as": alice.identity_id, "members": [bob.identity_id], "patient": patient.id, "subject": "S"})
        assert r.status_code == 201, r.json


def test_search_and_recent_queries_do_not_grow_with_results(app, client):
    alice, bob = make_account("alice"), make_account("bob")
    headers = bearer(alice)
    _fill(client, alice, bob, 2, 0)
    few_search, few_rows = _queries(app, client, "/api/v1/patients?q=martin", headers)
    few_recent, few_recent_rows = _queries(app, client, "/api/v1/patients", headers)
    _fill(client, alice, bob, 12, 2)
    many_search, many_rows = _queries(app, client, "/api/v1/patients?q=martin&limit=50", headers)
    many_recent, many_recent_rows = _queries(app, client, "/api/v1/patients?limit=50", headers)
    assert (few_rows, many_rows, few_recent_rows, many_recent_rows) == (3, 21, 2, 14)
    assert many_search == few_search and many_recent == few_recent, (few_search, many_search, few_recent, many_recent)
    # Who is asking (token) + the patients with their last use + the homonym flags.
    assert few_search <= 4 and few_recent <= 4


def test_one_patient_costs_a_fixed_number_of_queries(app, client):
    alice = make_account("alice")
    headers = bearer(alice)
    patient = make_patient()
    from kernel.services.patients import mark_used

    mark_used(alice, patient)
    client.get(f"/api/v1/patients/{patient.id}", headers=headers)
    with count_queries(app) as seen:
        assert client.get(f"/api/v1/patients/{patient.id}", headers=headers).status_code == 200
    # Who is asking, may they see this patient (the patient, a recent use), the patient, the homonym flag.
    assert len(seen) <= 5, seen
