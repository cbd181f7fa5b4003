"""Who sees a patient (docs/security.md): a name search finds only the patients in one's care; any other
patient takes the full INS or the four exact identity traits, audited; nothing else leaks a patient."""
from __future__ import annotations

import datetime as dt
import io

from kernel.models import AuditEvent, Delegation, Exchange, PatientCare
from kernel.db import utcnow
from kernel.services.patients import mark_used
from support.factories import bearer, make_account, make_patient, make_structure

INS = "279035121518989"  # a woman born in March 1979 (STANDARDS.md)
NOT_FOUND = {"patient": ["Ce patient est introuvable."]}


def marie(**kwargs):
    return make_patient("Marie Hélène", "DUPONT", used_name="MARTIN", birth_date=dt.date(1979, 3, 12), ins=INS,
                        **kwargs)


def ids(client, account, **params) -> list[int]:
    r = client.get("/api/v1/patients", headers=bearer(account), query_string=params)
    assert r.status_code == 200, r.json
    return [p["id"] for p in r.json["patients"]]


def reaches(action: str) -> list[tuple[int, str]]:
    return [(e.account_id, e.target) for e in AuditEvent.select().where(AuditEvent.action == action)
            .order_by(AuditEvent.id)]


def start(client, account, patient_id, members=()):
    return client.post("/api/v1/channels/test_chat/exchanges", headers=bearer(account), json={
        "acting_as": account.identity_id, "members": [m.identity_id for m in members] or [account.identity_id],
        "patient": patient_id, "subject": "Avis", "body": "Bonjour"})


def test_a_name_search_finds_only_the_patients_in_ones_care(app, client):
    alice, bob, carol, mallory = (make_account(n) for n in ("alice", "bob", "carol", "mallory"))
    used, about, shared, stranger = (make_patient(first, "DURAND") for first in ("Anne", "Bruno", "Chloé", "Denis"))
    mark_used(alice, used)  # Alice wrote about Anne
    assert start(client, alice, used.id, [bob]).status_code == 201  # Bob sees an exchange about Anne
    mark_used(carol, about)
    assert start(client, carol, about.id, [alice]).status_code == 201  # Alice sees an exchange about Bruno
    team = make_structure("Équipe mobile", delegates=(alice,))
    PatientCare.create(identity=team, patient=shared)  # Chloé is in the care of a structure Alice acts for

    assert sorted(ids(client, alice, q="durand")) == sorted([used.id, about.id, shared.id])
    assert ids(client, bob, q="durand") == [used.id]
    assert ids(client, mallory, q="durand") == []
    assert stranger.id not in ids(client, alice, q="denis durand")
    # Once the delegation is withdrawn, the structure's patients are no longer hers.
    Delegation.update(revoked_at=utcnow()).where(Delegation.delegate == alice.id).execute()
    assert sorted(ids(client, alice, q="durand")) == sorted([used.id, about.id])


def test_the_full_ins_reaches_a_patient_once_audited_and_takes_them_into_care(app, client):
    alice, bob = make_account("alice"), make_account("bob")
    patient = marie(in_care_of=bob)
    assert ids(client, alice, q="marie dupont") == []
    assert client.get(f"/api/v1/patients/{patient.id}", headers=bearer(alice)).status_code == 404
    assert ids(client, alice, q="2 79 03 51 215 189 89") == [patient.id]
    assert reaches("patient.reach_by_ins") == [(alice.id, f"patient:{patient.id}")]
    # Now in her care: found by name, readable, and a second reach is no new entry.
    assert ids(client, alice, q="marie dupont") == [patient.id]
    assert client.get(f"/api/v1/patients/{patient.id}", headers=bearer(alice)).status_code == 200
    assert ids(client, alice, q=INS) == [patient.id]
    # Bob had her in care already: his INS search is no reach.
    assert ids(client, bob, q=INS) == [patient.id]
    assert reaches("patient.reach_by_ins") == [(alice.id, f"patient:{patient.id}")]
    # Part of an INS reaches nobody.
    assert ids(client, make_account("carol"), q=INS[:13]) == []


def test_the_four_exact_traits_reach_a_patient_audited(app, client):
    alice = make_account("alice")
    patient = marie()
    traits = {"birth_name": "Dupont", "first_names": "marie helene", "birth_date": "1979-03-12", "sex": "F"}
    for wrong in ({"sex": "M"}, {"birth_date": "1979-03-13"}, {"birth_name": "MARTIN"}, {"first_names": "Hélène"},
                  {"birth_name": "DUP"}):
        assert ids(client, alice, **{**traits, **wrong}) == [], wrong
    assert reaches("patient.reach_by_traits") == []
    # All the birth first names, or the first one alone.
    assert ids(client, alice, **{**traits, "first_names": "MARIE"}) == [patient.id]
    assert reaches("patient.reach_by_traits") == [(alice.id, f"patient:{patient.id}")]
    assert ids(client, alice, q="dupont") == [patient.id]


def test_traits_are_all_four_or_nothing(app, client):
    alice = make_account("alice")
    marie()
    r = client.get("/api/v1/patients", headers=bearer(alice), query_string={"birth_name": "DUPONT", "sex": "X"})
    assert r.status_code == 422
    assert r.json["errors"] == {"first_names": ["Ce champ est obligatoire."],
                                "birth_date": ["Ce champ est obligatoire."],
                                "sex": ["Choisissez une des valeurs proposées."]}
    assert reaches("patient.reach_by_traits") == []


def test_a_send_naming_a_patient_outside_ones_care_is_refused_as_not_found(app, client):
    alice, bob = make_account("alice"), make_account("bob")
    patient = marie(in_care_of=bob)
    r = start(client, alice, patient.id, [bob])
    assert (r.status_code, r.json["errors"]) == (422, NOT_FOUND)
    r = start(client, alice, 999_999, [bob])
    assert (r.status_code, r.json["errors"]) == (422, NOT_FOUND)  # the very same answer as for no patient
    assert Exchange.select().count() == 0
    ids(client, alice, q=INS)  # reached by INS: now hers to write about
    assert start(client, alice, patient.id, [bob]).status_code == 201


def test_form_defaults_say_nothing_of_a_patient_outside_ones_care(app, client):
    alice, bob = make_account("alice"), make_account("bob")
    patient = marie(in_care_of=bob)

    def subject(account, patient_id):
        r = client.get(f"/api/v1/channels/test_chat/form?patient={patient_id}", headers=bearer(account))
        assert r.status_code == 200
        return next(f for f in r.json["fields"] if f["name"] == "subject")["default"]

    assert subject(bob, patient.id) == "Marie DUPONT"
    assert subject(alice, patient.id) is None
    assert subject(alice, 999_999) is None


def test_creating_an_ins_already_registered_with_exactly_its_traits_returns_that_identity(app, client):
    alice, bob = make_account("alice"), make_account("bob")
    patient = marie(in_care_of=bob)
    body = {"birth_name": "dupont", "used_name": "", "first_names": "Marie Hélène", "birth_date": "1979-03-12",
            "sex": "F", "ins": INS, "qualified": True}
    r = client.post("/api/v1/patients", headers=bearer(alice), json=body)
    assert r.status_code == 200, r.json
    assert r.json["patient"]["id"] == patient.id and r.json["patient"]["used_name"] == "MARTIN"
    assert reaches("patient.reach_by_ins") == [(alice.id, f"patient:{patient.id}")]
    assert not AuditEvent.select().where(AuditEvent.action == "patient.create").exists()
    assert ids(client, alice) == [patient.id]  # one of her recent patients
    # Other traits: refused, naming nobody.
    r = client.post("/api/v1/patients", headers=bearer(make_account("carol")), json={**body, "sex": "M"})
    assert r.status_code == 422 and "MARTIN" not in str(r.json) and "DUPONT" not in str(r.json).upper()


def test_a_homonym_outside_ones_care_raises_no_flag(app, client):
    alice = make_account("alice")
    mine = make_patient("Zoé", "LÉGER", birth_date=dt.date(2001, 1, 1), in_care_of=alice)
    other = make_patient("Zoe", "Leger", birth_date=dt.date(2001, 1, 1))
    [found] = client.get("/api/v1/patients?q=leger", headers=bearer(alice)).json["patients"]
    assert (found["id"], found["homonym"]) == (mine.id, False)
    PatientCare.create(identity=alice.identity_id, patient=other)
    listed = client.get("/api/v1/patients?q=leger", headers=bearer(alice)).json["patients"]
    flags = {p["id"]: p["homonym"] for p in listed}
    assert flags == {mine.id: True, other.id: True}


def test_pushing_a_document_to_a_software_under_a_patient_outside_ones_care_is_refused(app, client):
    alice, bob = make_account("alice"), make_account("bob")
    patient = marie(in_care_of=bob)
    upload = client.post("/api/v1/attachments", headers=bearer(alice), content_type="multipart/form-data",
                         data={"file": (io.BytesIO(b"%PDF-1.4 cr"), "cr.pdf")}).json["attachment"]
    url = f"/api/v1/attachments/{upload['id']}/integrate"
    r = client.post(url, headers=bearer(alice), json={"target": "dpi", "patient": patient.id})
    assert (r.status_code, r.json["errors"]) == (422, {"patient": ["Ce patient est introuvable."]})
    mark_used(alice, patient)
    r = client.post(url, headers=bearer(alice), json={"target": "dpi", "patient": patient.id})
    assert r.status_code == 422 and list(r.json["errors"]) == ["target"]  # past the patient: no such software


def test_the_demo_team_finds_the_demo_patients_by_name(make_app):
    from kernel.demo import PROFESSIONALS, seed
    from kernel.models import Account

    app = make_app("sqlite")
    seed(app)
    with app.app_context():
        client = app.test_client()
        for login in (p.login for p in PROFESSIONALS):
            account = Account.get(Account.login == login)
            assert len(ids(client, account, q="repap cecilia")) == 1, login
        assert ids(client, make_account("outsider"), q="repap cecilia") == []
