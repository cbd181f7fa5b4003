"""GET /api/v1/patients?q=: names in any order, prefixes, accents and case ignored; birth date; exact INS."""
from __future__ import annotations

import datetime as dt

import pytest

from support.factories import bearer, make_account, make_patient


@pytest.fixture
def alice(app):
    return make_account("alice")


@pytest.fixture
def people(alice):
    # All in Alice's care: a name search finds no other patient (tests/security/test_patient_care.py).
    return {
        "cecilia": make_patient(in_care_of=alice),
        "marie": make_patient("Marie Hélène", "DUPONT", used_name="MARTIN", birth_date=dt.date(1979, 3, 12),
                              ins="279035121518989", in_care_of=alice),
        "jean": make_patient("Jean-Pierre", "ROBERT", "M", birth_date=dt.date(1946, 2, 14), ins="146026322000196",
                             in_care_of=alice),
        "antoinette": make_patient("Antoinette", "ALBERTINI", birth_date=dt.date(1953, 7, 8), ins="253072B07300470",
                                   in_care_of=alice),
        "eloise": make_patient("Éloïse", "Le Gall", birth_date=dt.date(1990, 1, 1), in_care_of=alice),
        "laetitia": make_patient("Lætitia", "D'ARTAGNAN", birth_date=dt.date(1988, 8, 8), in_care_of=alice),
    }


def _names(client, headers, q):
    r = client.get("/api/v1/patients", headers=headers, query_string={"q": q})
    assert r.status_code == 200, r.json
    assert r.json["recent"] is False
    return {p["first_name"] for p in r.json["patients"]}


CASES = [
    ("repap cec", {"Cecilia"}),
    ("cec repap", {"Cecilia"}),
    ("CECILIA", {"Cecilia"}),
    ("Test Cecilia Repap", {"Cecilia"}),
    ("helene dupont", {"Marie"}),
    ("HÉLÈNE", {"Marie"}),
    ("martin marie", {"Marie"}),
    ("jean pierre", {"Jean-Pierre"}),
    ("gall", {"Éloïse"}),
    ("le gall eloise", {"Éloïse"}),
    ("ELOÏSE", {"Éloïse"}),
    ("laet", {"Lætitia"}),
    ("lætitia artagnan", {"Lætitia"}),
    ("d'artagnan", {"Lætitia"}),
    ("obert", set()),  # a prefix of a word, not any part of it
    ("repap marie", set()),
    ("27/03/1901", {"Cecilia"}),
    ("1901-03-27", {"Cecilia"}),
    ("8/7/1953", {"Antoinette"}),
    ("08.07.1953 albert", {"Antoinette"}),
    ("repap 12/03/1979", set()),
    ("31/02/1990", set()),
    ("27/03/1901 12/03/1979", set()),
    ("279035121518989", {"Marie"}),
    ("2 79 03 51 215 189 89", {"Marie"}),
    ("253072b07300470", {"Antoinette"}),
    ("robert 279035121518989", set()),
    ("279035121518988", set()),
]


def test_search(client, people, alice):
    headers = bearer(alice)
    found = {q: _names(client, headers, q) for q, _ in CASES}
    assert found == dict(CASES)


def test_results_carry_the_contract_fields_and_respect_the_limit(client, people, alice):
    headers = bearer(alice)
    r = client.get("/api/v1/patients", headers=headers, query_string={"q": "marie"})
    assert r.json == {"recent": False, "patients": [{
        "id": people["marie"].id, "birth_name": "DUPONT", "used_name": "MARTIN", "first_names": "Marie Hélène",
        "first_name": "Marie", "birth_date": "1979-03-12", "sex": "F", "birthplace_code": "", "ins": "279035121518989",
        "ins_oid": "1.2.250.1.213.1.4.8", "qualified": True,
        "display_name": "Marie MARTIN (née DUPONT) née le 12/03/1979", "last_used_at": None, "homonym": False}]}
    many = [make_patient(f"Paul{n}", "MARTIN", "M", in_care_of=alice) for n in range(5)]
    r = client.get("/api/v1/patients", headers=headers, query_string={"q": "martin", "limit": "3"})
    assert len(r.json["patients"]) == 3 and len(many) == 5
    for bad in ("0", "51", "abc", "-1"):
        r = client.get("/api/v1/patients", headers=headers, query_string={"q": "martin", "limit": bad})
        assert r.status_code == 422 and r.json == {"errors": {"limit": ["Saisissez un nombre entier de 1 à 50."]}}


def test_anonymous_search_is_refused(client, people):
    assert client.get("/api/v1/patients?q=repap").status_code == 401
