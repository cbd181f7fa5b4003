"""POST /api/v1/patients: a good identity is stored; each bad one gets its French message at its field and
nothing is stored. GET /api/v1/patients/<id> reads one back."""
from __future__ import annotations

import datetime as dt

import pytest

from kernel.models import Patient, PatientUse
from support.factories import bearer, make_account, make_patient

MARIE = {"birth_name": "DUPONT", "used_name": "MARTIN", "first_names": "Marie Hélène", "birth_date": "1979-03-12",
         "sex": "F", "birthplace_code": "51215", "ins": "2 79 03 51 215 189 89", "qualified": True}
REQUIRED = "Ce champ est obligatoire."


def _counts():
    return Patient.select().count(), PatientUse.select().count()


def test_a_qualified_identity_is_stored_with_its_ins(app, client):
    alice = make_account("alice")
    r = client.post("/api/v1/patients", headers=bearer(alice), json=MARIE)
    assert r.status_code == 201, r.json
    patient = r.json["patient"]
    assert patient.pop("last_used_at").endswith("Z")
    assert patient == {
        "id": patient["id"], "birth_name": "DUPONT", "used_name": "MARTIN", "first_names": "Marie Hélène",
        "first_name": "Marie", "birth_date": "1979-03-12", "sex": "F", "birthplace_code": "51215",
        "ins": "279035121518989", "ins_oid": "1.2.250.1.213.1.4.8", "qualified": True,
        "display_name": "Marie MARTIN (née DUPONT) née le 12/03/1979", "homonym": False,
    }
    stored = Patient.get_by_id(patient["id"])
    assert (stored.created_by_id, stored.search_text) == (alice.id, " dupont martin marie helene")
    r = client.get(f"/api/v1/patients/{patient['id']}", headers=bearer(alice))
    assert r.status_code == 200 and r.json["patient"]["display_name"] == patient["display_name"]
    assert r.json["patient"]["last_used_at"] is not None


def test_an_unqualified_identity_has_no_ins(app, client):
    alice = make_account("alice")
    r = client.post("/api/v1/patients", headers=bearer(alice), json={
        "birth_name": "  Le  Gall ", "first_names": "Yann  Erwan", "birth_date": "1946-02-14", "sex": "M",
        "ins": "", "ins_oid": None})
    assert r.status_code == 201, r.json
    p = r.json["patient"]
    assert (p["ins"], p["ins_oid"], p["qualified"], p["birthplace_code"], p["used_name"]) == (None, None, False, "", "")
    assert (p["birth_name"], p["first_names"]) == ("Le Gall", "Yann Erwan")
    assert p["display_name"] == "Yann LE GALL (né LE GALL) né le 14/02/1946"


def test_the_demo_test_oid_is_accepted(app, client):
    r = client.post("/api/v1/patients", headers=bearer(make_account("alice")),
                    json={**MARIE, "ins_oid": "1.2.250.1.213.1.4.10"})
    assert r.status_code == 201 and r.json["patient"]["ins_oid"] == "1.2.250.1.213.1.4.10"


def _future() -> str:
    return (dt.date.today() + dt.timedelta(days=3)).isoformat()


BAD = [
    ({}, {"birth_name": [REQUIRED], "first_names": [REQUIRED], "birth_date": [REQUIRED], "sex": [REQUIRED]}),
    ({**MARIE, "birth_name": "  ", "first_names": None}, {"birth_name": [REQUIRED], "first_names": [REQUIRED]}),
    ({**MARIE, "birth_date": "FUTURE"}, {"birth_date": ["La date de naissance ne peut pas être dans le futur."]}),
    ({**MARIE, "birth_date": "1889-12-31", "ins": None, "qualified": False},
     {"birth_date": ["La date de naissance ne peut pas être antérieure au 01/01/1890."]}),
    ({**MARIE, "birth_date": "12/03/1979"}, {"birth_date": ["Saisissez une date valide (AAAA-MM-JJ)."]}),
    ({**MARIE, "sex": "X"}, {"sex": ["Choisissez une des valeurs proposées."]}),
    ({**MARIE, "ins": "279035121518988"}, {"ins": [
        "La clé du matricule INS ne correspond pas : un chiffre a sans doute été mal saisi, vérifiez le numéro."]}),
    ({**MARIE, "ins": "27903512151"}, {"ins": [
        "Le matricule INS compte 15 caractères (13 + une clé de 2 chiffres) : vous en avez saisi 11."]}),
    ({**MARIE, "ins": 279035121518989}, {"ins": ["Saisissez le matricule INS sous forme de texte."]}),
    ({**MARIE, "sex": "M"}, {"ins": ["Le sexe ne correspond pas à l'INS : ce matricule est celui d'une femme."]}),
    ({**MARIE, "birth_date": "1978-04-12"}, {"ins": [
        "L'année de naissance ne correspond pas à l'INS : le matricule indique une année finissant par 79, "
        "la date saisie est en 1978.",
        "Le mois de naissance ne correspond pas à l'INS : le matricule indique mars, la date saisie est en avril."]}),
    ({**MARIE, "qualified": False}, {"ins": [
        "Un INS n'est enregistré que pour une identité qualifiée (vérifiée auprès du téléservice INSi) : "
        "indiquez que l'identité est qualifiée, ou retirez l'INS."]}),
    ({**MARIE, "ins": None}, {"ins": ["Une identité qualifiée porte son INS : saisissez-le."]}),
    ({**MARIE, "ins": None, "qualified": False, "ins_oid": "1.2.250.1.213.1.4.8"},
     {"ins_oid": ["Saisissez l'INS qui va avec cet OID, ou retirez l'OID."]}),
    ({**MARIE, "ins_oid": "1.2.3"}, {"ins_oid": [
        "Cet OID n'est pas celui d'un INS : laissez ce champ vide pour un INS-NIR."]}),
    ({**MARIE, "birthplace_code": "Paris"}, {"birthplace_code": [
        "Le lieu de naissance est un code INSEE de 5 caractères : la commune (par exemple 75056), "
        "ou 99 suivi du code du pays (par exemple 99134)."]}),
    ({**MARIE, "birth_name": "X" * 101}, {"birth_name": ["100 caractères au plus."]}),
    ({**MARIE, "qualified": "peut-être"}, {"qualified": ["Choisissez oui ou non."]}),
    ({**MARIE, "nir": "x"}, {"nir": ["Champ inconnu."]}),
]


@pytest.mark.parametrize("payload, errors", BAD)
def test_bad_identities_are_refused_at_their_field_and_nothing_is_stored(app, client, payload, errors):
    headers = bearer(make_account("alice"))
    payload = {k: (_future() if v == "FUTURE" else v) for k, v in payload.items()}
    before = _counts()
    r = client.post("/api/v1/patients", headers=headers, json=payload)
    assert r.status_code == 422, r.json
    assert r.json == {"errors": errors}
    assert _counts() == before


def test_an_ins_already_held_with_other_traits_is_refused_without_naming_its_holder(app, client):
    headers = bearer(make_account("alice"))
    make_patient("Marie", "DUPONT", used_name="MARTIN", birth_date=dt.date(1979, 3, 12), ins="279035121518989")
    before = _counts()
    r = client.post("/api/v1/patients", headers=headers, json={**MARIE, "first_names": "Marie-Hélène"})
    assert r.status_code == 422
    # Alice does not have this patient in care: the answer says neither who it is nor their traits.
    assert r.json == {"errors": {"ins": [
        "Cet INS est déjà enregistré avec d'autres traits d'identité : vérifiez le nom de naissance, les prénoms, "
        "la date de naissance et le sexe (téléservice INSi), puis saisissez-les exactement."]}}
    assert _counts() == before


def test_bad_bodies_and_unknown_patients(app, client):
    headers = bearer(make_account("alice"))
    r = client.post("/api/v1/patients", headers=headers, json=[MARIE])
    assert r.status_code == 400 and r.json == {"errors": {"_schema": ["Un objet JSON est attendu."]}}
    r = client.get("/api/v1/patients/999999", headers=headers)
    assert r.status_code == 404 and r.json == {"errors": {"_schema": ["Ce patient est introuvable."]}}
    assert client.post("/api/v1/patients", json=MARIE).status_code == 401
    assert client.get("/api/v1/patients/1").status_code == 401
    assert Patient.select().count() == 0


def test_a_patient_identity_is_shown_only_to_who_knows_the_patient(app, client):
    from support.factories import make_account, make_patient

    alice, bob, mallory = make_account("alice"), make_account("bob"), make_account("mallory")
    from kernel.services.patients import mark_used

    patient = make_patient()
    url = f"/api/v1/patients/{patient.id}"
    # Nobody has used or exchanged about this patient yet.
    assert client.get(url, headers=bearer(alice)).status_code == 404
    mark_used(alice, patient)
    assert client.get(url, headers=bearer(alice)).status_code == 200  # recent use
    assert client.get(url, headers=bearer(bob)).status_code == 404
    r = client.post("/api/v1/channels/test_chat/exchanges", headers=bearer(alice), json={
        "acting_as": alice.identity_id, "members": [bob.identity_id], "subject": "S", "patient": patient.id})
    assert r.status_code == 201
    assert client.get(url, headers=bearer(bob)).status_code == 200  # an exchange about the patient
    r = client.get(url, headers=bearer(mallory))
    assert r.status_code == 404 and r.json == {"errors": {"_schema": ["Ce patient est introuvable."]}}
