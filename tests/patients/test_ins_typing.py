"""A matricule being typed (USAGER-2): what is already wrong, and what the part typed already says."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kernel.ins import Ins, compute_key, typing_description, typing_problem

MARIE = "2850377123456" + compute_key("2850377123456")


@pytest.mark.parametrize("typed, starts", [
    ("5", "Le matricule INS commence par 1 (homme) ou 2 (femme)"),
    ("28513", "Le mois de naissance du matricule INS"),
    ("2850300", "Le lieu de naissance du matricule INS (6e et 7e caractères) n'existe pas : aucun département n'a "
                "le numéro 00"),
    ("2850399100", "Le code 99100 du matricule INS désigne la France, pas un pays étranger"),
    ("28503A", "Le matricule INS ne contient que des chiffres"),
    ("285032C", "Le matricule INS ne contient que des chiffres"),
    (MARIE[:-1] + str((int(MARIE[-1]) + 1) % 10), "La clé du matricule INS ne correspond pas"),
    (MARIE + "1", "Le matricule INS compte 15 caractères"),
])
def test_what_is_wrong_is_said_as_soon_as_it_is_typed(typed, starts):
    assert typing_problem(typed).startswith(starts)
    assert typing_description(typed) is None


@pytest.mark.parametrize("typed, said", [
    ("", None),
    ("2", "une femme"),
    ("1 85", "un homme, né en 1985"),
    ("2 85 03", "une femme, née en mars 1985"),
    ("2 85 55", "une femme, née en 1985 (mois inconnu)"),
    ("2 85 03 77", "une femme, née en mars 1985, née dans le département 77 (Seine-et-Marne)"),
    ("2 85 03 2b", "une femme, née en mars 1985, née dans le département 2B (Haute-Corse)"),
    ("2 85 03 974", "une femme, née en mars 1985, née dans le département 974 (La Réunion)"),
    ("2 85 03 99 1", "une femme, née en mars 1985"),
    ("2 85 03 99 134", "une femme, née en mars 1985, née à l'étranger (Espagne)"),
    ("1 50 03 93 123", "un homme, né en mars 1950, né dans le département 93"),  # before 1968: not Seine-Saint-Denis
    ("2 85 03 99 999", "une femme, née en mars 1985, née à l'étranger (pays de code INSEE 99999)"),  # not listed
    ("2 85 03 970", "une femme, née en mars 1985, née outre-mer (code INSEE 970)"),
    ("8 85 03 00", "une femme, née en mars 1985, lieu de naissance non répertorié (code 00)"),  # an INS-NIA
])
def test_what_the_part_typed_already_says(typed, said):
    assert typing_problem(typed) is None
    assert typing_description(typed) == said


@given(st.integers(1, 14))
def test_every_prefix_of_a_valid_matricule_is_fine_as_it_is_typed(length):
    for value in (MARIE, "253072B07300470", "295109912611193", "180059741112350"):
        assert Ins.parse(value)
        assert typing_problem(value[:length]) is None
    assert typing_problem(MARIE) is None and typing_description(MARIE) is None
