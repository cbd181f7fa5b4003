"""Directory search: folding, prefixes on every word of both fields, ranking, groups, pages, filters."""
from __future__ import annotations

import pytest

from support.factories import make_account, make_structure


@pytest.fixture
def people(app, lines, extraction, import_file):
    per = lines.per
    import_file(extraction([
        per("paul.martin@medecin.mssante.fr", "10000000001", "Paul", "MARTIN", "", org="CABINET DU PARC"),
        per("ph.martin@chu-lyon.mssante.fr", "10000000002", "Paul-Henri", "MARTIN", "DR", specialty="Cardiologie",
            org="CHU DE LYON", city="VILLEURBANNE", postcode="69100", service="Cardiologie"),
        per("pauline.martin@infirmier.mssante.fr", "10000000003", "Pauline", "MARTIN", "", profession="Infirmier",
            specialty="", city="BREST", postcode="29200", dept="29"),
        per("paul.martinez@medecin.mssante.fr", "10000000004", "Paul", "MARTINEZ", "", specialty="Pédiatrie",
            city="PARIS", postcode="75014", dept="75"),
        per("helene.lefevre@medecin.mssante.fr", "10000000005", "HÉLÈNE", "LEFÈVRE", "DR",
            specialty="Dermatologie et vénéréologie", city="ORLÉANS", postcode="45000", dept="45"),
        per("elodie.dupont@sage-femme.mssante.fr", "10000000006", "Élodie", "DUPONT", "", profession="Sage-Femme",
            specialty="", city="ANNECY", postcode="74000", dept="74"),
        lines.org("cardiologie@chu-lyon.mssante.fr", "Cardiologie", "CHU DE LYON"),
        lines.org("urgences@ch-annecy.mssante.fr", "Urgences", "CENTRE HOSPITALIER D'ANNECY", city="ANNECY",
                  postcode="74000", dept="74"),
        lines.org("secretariat@parc.mssante.fr", "Secrétariat de cardiologie", "CLINIQUE DU PARC"),
    ]))
    make_account("zoe", first="Zoé", last="Martin", profession="Médecin généraliste")
    make_structure("Coordination REPAP")


def test_case_and_accents_do_not_matter(people, find, names):
    assert names(find("HELENE")) == ["Dr Hélène LEFÈVRE"]
    assert names(find("Lefèvre", "ORLÉANS")) == ["Dr Hélène LEFÈVRE"]
    assert names(find("élo", "anne")) == ["Élodie DUPONT"]
    assert names(find("derm", "loiret")) == ["Dr Hélène LEFÈVRE"]  # the département's name, from its code


def test_every_word_of_both_fields_is_a_prefix(people, find, names):
    assert names(find("mar pau", "lyo")) == ["Paul MARTIN", "Dr Paul-Henri MARTIN"]
    assert names(find("mar pau", "lyo zz")) == []
    assert names(find("mar pau zz")) == []
    result = find("cardio", "69")
    assert names(result) == ["Dr Paul-Henri MARTIN"]
    assert names(result, "services") == ["Cardiologie", "Secrétariat de cardiologie"]
    assert names(find("", "brest")) == ["Pauline MARTIN"]


def test_exact_names_first_then_whole_words_then_prefixes(people, find, names):
    expected = ["Paul MARTIN", "Dr Paul-Henri MARTIN", "Pauline MARTIN", "Paul MARTINEZ"]
    assert names(find("paul martin", limit=10)) == expected
    assert names(find("MARTIN paul", limit=10)) == expected


def test_account_holders_first_at_equal_rank(people, find, names):
    result = find("martin", limit=10)
    assert names(result) == ["Zoé MARTIN", "Paul MARTIN", "Dr Paul-Henri MARTIN", "Pauline MARTIN", "Paul MARTINEZ"]
    assert [e["has_account"] for e in result["professionals"]] == [True, False, False, False, False]
    assert result["professionals"][0]["identity_id"] is not None


def test_groups_are_paged_separately(people, find, names):
    first = find("martin", limit=2)
    assert names(first) == ["Zoé MARTIN", "Paul MARTIN"] and first["more"]["professionals"]
    second = find("martin", group="professionals", limit=2, offset=2)
    assert names(second) == ["Dr Paul-Henri MARTIN", "Pauline MARTIN"] and second["more"]["professionals"]
    last = find("martin", group="professionals", limit=2, offset=4)
    assert names(last) == ["Paul MARTINEZ"] and not last["more"]["professionals"]
    assert last["services"] == [] and not last["more"]["services"]
    services = find("", "lyon", group="services")
    assert names(services, "services") == ["Cardiologie", "Secrétariat de cardiologie"] and services["professionals"] == []


def test_kind_filters(people, find, names):
    assert names(find("martin", kind="account")) == ["Zoé MARTIN"]
    assert names(find("coord", kind="account"), "services") == ["Coordination REPAP"]
    mssante = find("martin", kind="mssante", limit=10)
    assert "Zoé MARTIN" not in names(mssante) and len(mssante["professionals"]) == 4  # Zoé has no address
    assert all(e["addresses"] for e in mssante["professionals"])


def test_an_empty_query_finds_nobody(people, find):
    assert find() == find("  ", " - ") == {"professionals": [], "services": [],
                                          "more": {"professionals": False, "services": False}}
