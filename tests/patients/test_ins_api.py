"""GET /api/v1/ins/<ins>: the decoding shown before writing to a patient (USAGER-2), or a French reason."""
from __future__ import annotations

from support.factories import bearer, make_account


def test_a_valid_matricule_is_decoded(app, client):
    headers = bearer(make_account("alice"))
    r = client.get("/api/v1/ins/279035121518989", headers=headers)
    assert r.status_code == 200, r.json
    assert r.json == {
        "ins": "279035121518989", "sex": "F", "sex_label": "Une femme", "provisional": False,
        "birth_year": 1979, "birth_month": 3, "birth_month_label": "mars",
        "birth_place": {"kind": "department", "department": "51", "department_label": "Marne",
                        "country_code": None, "country": None},
        "description": "Une femme, née en mars 1979, née dans le département 51 (Marne)",
        "mes_address": "279035121518989@patient.mssante.fr",
    }


def test_abroad_overseas_corsica_and_typed_spaces(app, client):
    headers = bearer(make_account("alice"))
    abroad = client.get("/api/v1/ins/295109912611193", headers=headers).json
    assert abroad["birth_place"] == {"kind": "abroad", "department": None, "department_label": None,
                                     "country_code": "126", "country": "Grèce"}
    assert abroad["description"] == "Une femme, née en octobre 1995, née à l'étranger (Grèce)"
    overseas = client.get("/api/v1/ins/1 80 05 974 11 123 50", headers=headers)
    assert overseas.status_code == 200, overseas.json
    assert overseas.json["birth_place"]["department_label"] == "La Réunion"
    assert overseas.json["ins"] == "180059741112350"
    corsica = client.get("/api/v1/ins/253072b07300470", headers=headers).json
    assert corsica["ins"] == "253072B07300470" and corsica["birth_place"]["department"] == "2B"


def test_unknown_month_and_birth_date_for_the_century(app, client):
    headers = bearer(make_account("alice"))
    r = client.get("/api/v1/ins/1 23 30 99 134 012 67", headers=headers)
    assert r.status_code == 200, r.json
    assert (r.json["birth_month"], r.json["birth_month_label"]) == (None, None)
    assert r.json["birth_year"] == 2023
    r = client.get("/api/v1/ins/123309913401267?birth_date=1923-06-01", headers=headers)
    assert r.json["birth_year"] == 1923
    assert r.json["description"] == "Un homme, né en 1923 (mois inconnu), né à l'étranger (Espagne)"
    r = client.get("/api/v1/ins/123309913401267?birth_date=01/06/1923", headers=headers)
    assert r.status_code == 422 and r.json == {"errors": {"birth_date": ["Saisissez une date valide (AAAA-MM-JJ)."]}}


def test_bad_matricules_get_422_with_the_reason(app, client):
    headers = bearer(make_account("alice"))
    r = client.get("/api/v1/ins/279035121518988", headers=headers)
    assert r.status_code == 422
    assert r.json == {"errors": {"ins": [
        "La clé du matricule INS ne correspond pas : un chiffre a sans doute été mal saisi, vérifiez le numéro."]}}
    r = client.get("/api/v1/ins/12345", headers=headers)
    assert r.status_code == 422
    assert r.json == {"errors": {"ins": [
        "Le matricule INS compte 15 caractères (13 + une clé de 2 chiffres) : vous en avez saisi 5."]}}
    r = client.get("/api/v1/ins/253072C07300470", headers=headers)
    assert r.status_code == 422 and "2A ou 2B" in r.json["errors"]["ins"][0]


def test_anonymous_callers_get_401(app, client):
    r = client.get("/api/v1/ins/279035121518989")
    assert r.status_code == 401 and "errors" in r.json
