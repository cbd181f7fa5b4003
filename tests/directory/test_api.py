"""GET /api/v1/directory: the contract the pickers are written against, French errors, fixed query cost."""
from __future__ import annotations

from support.factories import bearer, make_account
from support.query_counter import count_queries

ENTRY_KEYS = {"id", "kind", "display_name", "profession", "specialty", "organisation", "city", "postcode",
              "department", "rpps", "identity_id", "has_account", "addresses"}


def _directory(client, headers, **params):
    return client.get("/api/v1/directory", query_string=params, headers=headers)


def test_the_contract(app, client, lines, extraction, import_file):
    import_file(extraction([lines.per("julie@medecin.mssante.fr"), lines.org("sau@chu.mssante.fr", "Urgences", "CHU")]))
    headers = bearer(make_account("alice", first="Alice", last="Bernard"))

    body = _directory(client, headers, q="bernard").json

    assert set(body) == {"professionals", "services", "more"}
    assert body["more"] == {"professionals": False, "services": False}
    julie, alice = sorted(body["professionals"], key=lambda e: e["id"])[::-1]
    assert set(julie) == ENTRY_KEYS
    assert julie == {"id": "pp:810001234567", "kind": "person", "display_name": "Dr Julie BERNARD",
                     "profession": "Médecin", "specialty": "Médecine générale", "organisation": "CABINET MEDICAL",
                     "city": "Lyon", "postcode": "69003", "department": "69", "rpps": "10001234567",
                     "identity_id": None, "has_account": False,
                     "addresses": [{"address": "julie@medecin.mssante.fr", "type": "PER",
                                    "label": "CABINET MEDICAL, Lyon"}]}
    assert (alice["kind"], alice["has_account"], alice["rpps"], alice["addresses"]) == ("person", True, None, [])
    assert body["professionals"][0] == alice  # the account holder first
    service = _directory(client, headers, where="chu").json["services"][0]
    assert (service["id"], service["kind"], service["display_name"]) == ("bal:sau@chu.mssante.fr", "service", "Urgences")


def test_defaults_and_limits(app, client):
    headers = bearer(make_account("alice"))
    for n in range(7):
        make_account(f"user{n}", first=f"Prénom{n}", last="Durand")

    assert len(_directory(client, headers, q="durand").json["professionals"]) == 5
    assert len(_directory(client, headers, q="durand", limit=500).json["professionals"]) == 7  # at most 50
    body = _directory(client, headers, q="durand", group="professionals", offset=5, limit=5).json
    assert len(body["professionals"]) == 2 and body["more"] == {"professionals": False, "services": False}


def test_bad_parameters_are_refused_in_french(app, client):
    headers = bearer(make_account("alice"))
    cases = [({"kind": "tout"}, "kind", "Le filtre « kind » doit être vide, « account » (comptes de la plateforme) "
                                        "ou « mssante » (adresses MSSanté)."),
             ({"limit": "dix"}, "limit", "Saisissez un nombre entier."),
             ({"limit": "0"}, "limit", "Demandez au moins 1 résultat (au plus 50)."),
             ({"offset": "-1"}, "offset", "Le décalage va de 0 à 1000 : au-delà, précisez la recherche."),
             ({"offset": "2.5"}, "offset", "Saisissez un nombre entier."),
             ({"group": "tous"}, "group", "Le groupe doit être « professionals » ou « services »."),
             ({"q": "x" * 201}, "q", "200 caractères au plus.")]
    for params, field, message in cases:
        response = _directory(client, headers, q="martin", **{k: v for k, v in params.items() if k != "q"}) \
            if "q" not in params else _directory(client, headers, **params)
        assert response.status_code == 422, params  # a value refused, as on every other endpoint
        assert response.json == {"errors": {field: [message]}}
    twice = client.get("/api/v1/directory?q=martin&q=durand", headers=headers)  # unreadable: which one?
    assert twice.status_code == 400
    assert twice.json == {"errors": {"q": ["Requête invalide : le paramètre « q » est donné plusieurs fois."]}}
    assert _directory(client, {}, q="martin").status_code == 401
    assert _directory(client, headers, q="martin", _="1700000000").status_code == 200  # a cache-buster is fine


def test_a_search_costs_the_same_queries_whatever_it_finds(app, client, lines, extraction, import_file):
    headers = bearer(make_account("alice"))
    rows = [lines.per(f"p{n}@medecin.mssante.fr", f"1000000{n:04d}", f"Prénom{n}", "DURAND") for n in range(40)]
    rows += [lines.per(f"q{n}@medecin.mssante.fr", f"1000001{n:04d}", "Solo", f"UNIQUE{n}") for n in range(3)]
    rows += [lines.per(f"r{n}@x.mssante.fr", f"1000000{n:04d}", f"Prénom{n}", "DURAND") for n in range(40)]
    rows += [lines.org(f"s{n}@chu.mssante.fr", f"Consultation Durand {n}", "CHU") for n in range(30)]
    import_file(extraction(rows), batch_size=1000)

    def cost(**params) -> tuple[int, int]:
        _directory(client, headers, **params)  # steady state (the token's "last used" stamp)
        with count_queries(app) as seen:
            body = _directory(client, headers, **params).json
        return len(seen), len(body["professionals"]) + len(body["services"])

    few, found_few = cost(q="unique1")
    many, found_many = cost(q="durand", limit=50)
    long_words, _ = cost(q="durand prenom1", where="lyon")
    assert (found_few, found_many) == (1, 70)
    assert few == many == long_words, (few, many, long_words)
    assert few <= 7
