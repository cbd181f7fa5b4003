"""INS examples: the valid ones of STANDARDS.md, typical mistakes and their French reasons, decoding."""
from __future__ import annotations

import datetime as dt

import pytest

from kernel.ins import OID_INS_NIA, OID_INS_NIR, OID_INS_NIR_DEMO, OID_INS_NIR_TEST, Ins, InvalidIns

STANDARD_EXAMPLES = ["279035121518989", "146026322000196", "162018885045327", "253072B07300470",
                     "295109912611193"]
LENGTH = "Le matricule INS compte 15 caractères (13 + une clé de 2 chiffres) : vous en avez saisi {}."
CHARACTERS = ("Le matricule INS ne contient que des chiffres, sauf 2A ou 2B pour une naissance en Corse : "
              "vérifiez la saisie.")
SEX = ("Le matricule INS commence par 1 (homme) ou 2 (femme), ou par 3, 4, 7 ou 8 pour une immatriculation "
       "provisoire ou d'une personne née à l'étranger : vérifiez le premier chiffre.")
MONTH = ("Le mois de naissance du matricule INS (4e et 5e chiffres) va de 01 à 12, ou de 20 à 42 ou de 50 à 99 "
         "quand le mois est inconnu : vérifiez la saisie.")
KEY = "La clé du matricule INS ne correspond pas : un chiffre a sans doute été mal saisi, vérifiez le numéro."
EMPTY = "Saisissez le matricule INS : 15 caractères, clé comprise."


@pytest.mark.parametrize("text", STANDARD_EXAMPLES)
def test_examples_of_the_standard_are_valid(text):
    assert str(Ins.parse(text)) == text


def test_examples_decode():
    today = dt.date(2026, 1, 1)
    d = Ins.parse("279035121518989").decode(today=today)
    assert (d.sex, d.birth_year, d.birth_month, d.birth_month_label, d.provisional) == ("F", 1979, 3, "mars", False)
    assert (d.birth_place.kind, d.birth_place.department, d.birth_place.commune, d.birth_place.insee_code) == (
        "department", "51", "215", "51215")
    assert d.order == "189"
    corsica = Ins.parse("253072B07300470").decode(today=today).birth_place
    assert (corsica.department, corsica.department_label, corsica.insee_code) == ("2B", "Haute-Corse", "2B073")
    abroad = Ins.parse("295109912611193").decode(today=today)
    assert (abroad.birth_year, abroad.birth_month) == (1995, 10)
    assert (abroad.birth_place.kind, abroad.birth_place.country_code, abroad.birth_place.country) == (
        "abroad", "126", "Grèce")
    assert abroad.birth_place.department is None and abroad.birth_place.commune is None


@pytest.mark.parametrize("text, reason", [
    ("", EMPTY),
    ("   ", EMPTY),
    (None, EMPTY),
    ("2790351215189", LENGTH.format(13)),
    ("27903512151898", LENGTH.format(14)),
    ("2790351215189890", LENGTH.format(16)),
    ("2790351215189X9", CHARACTERS),
    ("27903A121518989", CHARACTERS),
    ("253072C07300470", CHARACTERS),
    ("25307A207300470", CHARACTERS),
    ("2790351215189.9", CHARACTERS),
    ("２79035121518989", CHARACTERS),  # a full-width digit is not a digit of a matricule
    ("2٣9035121518989", CHARACTERS),  # so is an Arabic-Indic one
    ("579035121518989", SEX),
    ("079035121518989", SEX),
    ("279135121518989", MONTH),
    ("279005121518989", MONTH),
    ("279155121518989", MONTH),
    ("279435121518989", MONTH),
    ("279035121518988", KEY),
    ("279035121518998", KEY),
    ("279035121158989", KEY),
    ("253072A07300470", KEY),
    ("253072B07300400", KEY),
])
def test_invalid_matricules_get_a_french_reason(text, reason):
    with pytest.raises(InvalidIns) as exc:
        Ins.parse(text)
    assert str(exc.value) == reason


def test_the_sex_and_month_reasons_list_exactly_what_is_accepted():
    # The reasons name 1, 2, 3, 4, 7, 8 and the months 01-12, 20-42, 50-99: every other value is refused
    # with that reason, every listed one is accepted.
    for digit in "0123456789":
        body = f"{digit}790351215189"
        if digit in "123478":
            assert Ins.from_body(body).value.startswith(digit)
        else:
            with pytest.raises(InvalidIns, match="^Le matricule INS commence par") as exc:
                Ins.from_body(body)
            assert str(exc.value) == SEX
    listed = {*range(1, 13), *range(20, 43), *range(50, 100)}
    for month in range(100):
        body = f"279{month:02d}51215189"
        if month in listed:
            assert Ins.from_body(body).value[3:5] == f"{month:02d}"
        else:
            with pytest.raises(InvalidIns) as exc:
                Ins.from_body(body)
            assert str(exc.value) == MONTH, month


def test_spaces_and_lower_case_are_accepted():
    assert str(Ins.parse(" 2 53 07 2b 073 004 70 ")) == "253072B07300470"
    assert Ins.parse("2 79 03 51 215 189 89").formatted() == "2 79 03 51 215 189 89"
    assert Ins.from_body("1800597411123").formatted().startswith("1 80 05 974 11 123 ")


def test_descriptions_for_usager_2():
    assert Ins.from_body("2850377123456").description() == (
        "Une femme, née en mars 1985, née dans le département 77 (Seine-et-Marne)")
    assert Ins.from_body("1623099134012").description() == (
        "Un homme, né en 1962 (mois inconnu), né à l'étranger (Espagne)")
    assert Ins.from_body("1800597411123").description() == (
        "Un homme, né en mai 1980, né dans le département 974 (La Réunion)")
    assert Ins.from_body("2700999115001").description() == (
        "Une femme, née en septembre 1970, née à l'étranger (Tchécoslovaquie)")  # a former country keeps its code
    assert Ins.from_body("2700552999001").description().endswith("née dans le département 52 (Haute-Marne)")
    # Before 1968, 75 was the Seine and 91 to 96 stood for Algeria, Morocco or Tunisia: no label is guessed.
    assert Ins.from_body("1550591123001").description().endswith("né dans le département 91")
    assert Ins.from_body("1750591123001").description().endswith("né dans le département 91 (Essonne)")
    assert Ins.from_body("1550520123001").description().endswith("né dans le département 20 (Corse)")
    assert Ins.parse("253072B07300470").description().endswith("née dans le département 2B (Haute-Corse)")


PLACE = "Le lieu de naissance du matricule INS (6e et 7e caractères) n'existe pas : {}. Vérifiez la saisie."


@pytest.mark.parametrize("body, reason", [
    ("2850300123456", PLACE.format("aucun département n'a le numéro 00")),
    ("1550500123001", PLACE.format("aucun département n'a le numéro 00")),
    ("2850399100123", "Le code 99100 du matricule INS désigne la France, pas un pays étranger : une naissance en "
                      "France s'écrit avec le numéro du département. Vérifiez la saisie."),
])
def test_impossible_birthplaces_are_refused_even_with_the_right_key(body, reason):
    with pytest.raises(InvalidIns) as exc:
        Ins.from_body(body)
    assert str(exc.value) == reason


# The INSEE lists lag behind reality: a right key with a code they lack is a real birth, described neutrally.
@pytest.mark.parametrize("body, place", [
    ("2850399999123", "née à l'étranger (pays de code INSEE 99999)"),
    ("2850399998123", "née à l'étranger (pays de code INSEE 99998)"),
    ("2850397012345", "née outre-mer (code INSEE 970)"),
    ("2850398312345", "née outre-mer (code INSEE 983)"),
    ("2850398512345", "née dans le département 985 (Mayotte)"),  # Mayotte's code until 2011
    ("2850377999123", "née dans le département 77 (Seine-et-Marne)"),  # a commune code no list checks
])
def test_birthplaces_missing_from_the_lists_are_accepted_and_described_neutrally(body, place):
    assert Ins.from_body(body).description() == f"Une femme, née en mars 1985, {place}"


@pytest.mark.parametrize("body", ["7850300123456", "8850399100123", "3850398312345", "4859900123456"])
def test_a_provisional_number_or_ins_nia_is_never_refused_for_its_birthplace(body):
    ins = Ins.from_body(body)
    assert ins.provisional
    assert ins.description()  # something neutral, whatever the place digits say


def test_an_uncoded_birthplace_of_an_ins_nia_is_said_so():
    assert Ins.from_body("8850300123456").description() == (
        "Une femme, née en mars 1985, lieu de naissance non répertorié (code 00)")


def test_an_impossible_month_is_refused_even_for_an_ins_nia():
    with pytest.raises(InvalidIns, match="Le mois de naissance"):
        Ins.from_body("8851300123456")


def test_every_official_departement_and_country_is_labelled():
    from kernel.ins import COUNTRIES, DEPARTMENT_LABELS
    assert len([c for c in DEPARTMENT_LABELS if len(c) == 2]) == 96  # 01-95 without 20, with 2A and 2B
    assert {c for c in DEPARTMENT_LABELS if len(c) == 3} == {"971", "972", "973", "974", "975", "976", "977",
                                                             "978", "984", "986", "987", "988", "989"}
    assert DEPARTMENT_LABELS["77"] == "Seine-et-Marne" and DEPARTMENT_LABELS["2A"] == "Corse-du-Sud"
    assert len(COUNTRIES) == 254 and COUNTRIES["115"] == "Tchécoslovaquie" and COUNTRIES["157"] == "Kosovo"


@pytest.mark.parametrize("code, country", [("134", "Espagne"), ("109", "Allemagne"), ("127", "Italie"),
                                           ("139", "Portugal"), ("350", "Maroc"), ("352", "Algérie"),
                                           ("351", "Tunisie"), ("132", "Royaume-Uni"), ("131", "Belgique"),
                                           ("140", "Suisse"), ("126", "Grèce")])
def test_common_countries_of_birth(code, country):
    place = Ins.from_body(f"1900199{code}001").decode().birth_place
    assert (place.kind, place.country_code, place.country, place.insee_code) == ("abroad", code, country, f"99{code}")


def test_unknown_months():
    for month in ("20", "42", "50", "99"):
        decoded = Ins.from_body(f"185{month}75056001").decode()
        assert decoded.birth_month is None and decoded.birth_month_label is None


def test_birth_year_is_the_latest_not_in_the_future_unless_the_birth_date_says_otherwise():
    ins = Ins.from_body("1250375056001")
    assert ins.birth_year(today=dt.date(2026, 5, 1)) == 2025
    assert ins.birth_year(today=dt.date(2024, 5, 1)) == 1925
    assert ins.birth_year(dt.date(1925, 3, 2), today=dt.date(2026, 5, 1)) == 1925
    # A birth date that disagrees with the matricule does not change what the matricule says.
    assert ins.birth_year(dt.date(1930, 3, 2), today=dt.date(2026, 5, 1)) == 2025
    assert Ins.from_body("1260375056001").birth_year(today=dt.date(2026, 1, 1)) == 2026
    assert Ins.from_body("1270375056001").birth_year(today=dt.date(2026, 1, 1)) == 1927


def test_mes_address_and_oids():
    assert Ins.parse("253072B07300470").mes_address() == "253072B07300470@patient.mssante.fr"
    assert (OID_INS_NIR, OID_INS_NIA, OID_INS_NIR_TEST, OID_INS_NIR_DEMO) == (
        "1.2.250.1.213.1.4.8", "1.2.250.1.213.1.4.9", "1.2.250.1.213.1.4.10", "1.2.250.1.213.1.4.11")


def test_consistency_with_sex_and_birth_date():
    ins = Ins.parse("279035121518989")  # a woman born in March 1979
    assert ins.consistent_with("F", dt.date(1979, 3, 12)) == []
    assert ins.consistent_with("I", dt.date(1979, 3, 12)) == []
    assert ins.consistent_with("M", dt.date(1980, 4, 1)) == [
        "Le sexe ne correspond pas à l'INS : ce matricule est celui d'une femme.",
        "L'année de naissance ne correspond pas à l'INS : le matricule indique une année finissant par 79, "
        "la date saisie est en 1980.",
        "Le mois de naissance ne correspond pas à l'INS : le matricule indique mars, la date saisie est en avril.",
    ]
    unknown_month = Ins.from_body("1623099134012")
    assert unknown_month.consistent_with("M", dt.date(1962, 11, 5)) == []
    assert unknown_month.consistent_with("F", dt.date(2062, 11, 5)) == [
        "Le sexe ne correspond pas à l'INS : ce matricule est celui d'un homme."]
