"""Recent patients (sending about a patient puts them first in the picker) and homonym flags."""
from __future__ import annotations

import datetime as dt

from kernel.models import PatientUse
from support.factories import bearer, make_account, make_patient


def _send(client, account, other, patient_id):
    r = client.post("/api/v1/channels/test_chat/exchanges", headers=bearer(account), json={
        "acting_as": account.identity_id, "members": [other.identity_id], "patient": patient_id,
        "subject": "Avis", "body": "Bonjour"})
    assert r.status_code == 201, r.json


def test_sending_about_a_patient_puts_them_first(app, client):
    alice, bob = make_account("alice"), make_account("bob")
    cecilia, jean, lucas = (make_patient(in_care_of=alice), make_patient("Jean", "ROBERT", "M", in_care_of=alice),
                            make_patient("Lucas", "LEROY", "M", in_care_of=alice))
    headers = bearer(alice)
    r = client.get("/api/v1/patients", headers=headers)
    assert r.json == {"patients": [], "recent": True}

    for patient in (cecilia, jean, lucas, cecilia):
        _send(client, alice, bob, patient.id)
    r = client.get("/api/v1/patients?q=", headers=headers)
    assert r.json["recent"] is True
    listed = r.json["patients"]
    assert [p["id"] for p in listed] == [cecilia.id, lucas.id, jean.id]
    stamps = [p["last_used_at"] for p in listed]
    assert all(s.endswith("Z") for s in stamps) and stamps == sorted(stamps, reverse=True)
    # One row per account and patient, however often they are used.
    assert PatientUse.select().where(PatientUse.account == alice.id).count() == 3
    # Recent lists are per account: Bob was only a member.
    assert client.get("/api/v1/patients", headers=bearer(bob)).json == {"patients": [], "recent": True}
    r = client.get("/api/v1/patients?limit=2", headers=headers)
    assert [p["id"] for p in r.json["patients"]] == [cecilia.id, lucas.id]
    # A query with nothing to search for (punctuation only) shows the recent patients too.
    r = client.get("/api/v1/patients?q=-", headers=headers)
    assert r.json["recent"] is True and len(r.json["patients"]) == 3


def test_a_search_lists_the_patients_i_used_first(app, client):
    alice, bob = make_account("alice"), make_account("bob")
    first = make_patient("Anne", "DURAND", in_care_of=(alice, bob))
    used = make_patient("Zoé", "DURAND", in_care_of=(alice, bob))
    _send(client, alice, bob, used.id)
    r = client.get("/api/v1/patients?q=durand", headers=bearer(alice))
    assert [p["id"] for p in r.json["patients"]] == [used.id, first.id]
    assert r.json["patients"][0]["last_used_at"] and r.json["patients"][1]["last_used_at"] is None
    # Bob never used either: alphabetical.
    r = client.get("/api/v1/patients?q=durand", headers=bearer(bob))
    assert [p["id"] for p in r.json["patients"]] == [first.id, used.id]


def test_creating_a_patient_counts_as_using_them(app, client):
    alice = make_account("alice")
    r = client.post("/api/v1/patients", headers=bearer(alice), json={
        "birth_name": "LEROY", "first_names": "Lucas", "birth_date": "2018-05-04", "sex": "M"})
    assert r.status_code == 201
    recent = client.get("/api/v1/patients", headers=bearer(alice)).json["patients"]
    assert [p["id"] for p in recent] == [r.json["patient"]["id"]]


def test_homonyms_are_flagged(app, client):
    alice = make_account("alice")
    headers = bearer(alice)
    # Homonyms count among the patients in Alice's care (tests/security/test_patient_care.py: no others).
    with_ins = make_patient("Marie", "DUPONT", birth_date=dt.date(1979, 3, 12), ins="279035121518989", in_care_of=alice)
    without = make_patient("Marie Claire", "Dupont", birth_date=dt.date(1979, 3, 12), in_care_of=alice)
    other_day = make_patient("Marie", "DUPONT", birth_date=dt.date(1979, 3, 13), in_care_of=alice)
    other_first = make_patient("Maria", "DUPONT", birth_date=dt.date(1979, 3, 12), in_care_of=alice)
    from kernel.services.patients import mark_used

    for known in (with_ins, other_day):  # a patient's page is shown only to who knows the patient
        mark_used(alice, known)
    flags = {p["id"]: p["homonym"] for p in client.get("/api/v1/patients?q=dupont", headers=headers).json["patients"]}
    assert flags == {with_ins.id: True, without.id: True, other_day.id: False, other_first.id: False}
    # The flag does not depend on the homonym being in the same page of results.
    only = client.get("/api/v1/patients?q=claire", headers=headers).json["patients"]
    assert [(p["id"], p["homonym"]) for p in only] == [(without.id, True)]
    assert client.get(f"/api/v1/patients/{with_ins.id}", headers=headers).json["patient"]["homonym"] is True
    assert client.get(f"/api/v1/patients/{other_day.id}", headers=headers).json["patient"]["homonym"] is False
    # Accents and case do not hide a homonym.
    accented = make_patient("Zoé", "LÉGER", birth_date=dt.date(2001, 1, 1))
    make_patient("zoe", "Leger", birth_date=dt.date(2001, 1, 1), in_care_of=alice)
    mark_used(alice, accented)
    assert client.get(f"/api/v1/patients/{accented.id}", headers=headers).json["patient"]["homonym"] is True
