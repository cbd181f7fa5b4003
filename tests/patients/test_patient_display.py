"""The patient display rule: ``Cecilia REPAP TEST (née REPAP TEST) née le 27/03/1901`` (né/née by sex)."""
from __future__ import annotations

import datetime as dt

from kernel.models import Patient
from kernel.models.patient import fold


def _patient(**fields) -> Patient:
    values = {"birth_name": "REPAP TEST", "used_name": "", "first_names": "Cecilia", "sex": "F",
              "birth_date": dt.date(1901, 3, 27), **fields}
    return Patient(**values)


def test_display_names():
    assert _patient().display_name == "Cecilia REPAP TEST (née REPAP TEST) née le 27/03/1901"
    assert _patient(used_name="Martin", birth_name="Dupont", first_names="Marie Hélène").display_name == (
        "Marie MARTIN (née DUPONT) née le 27/03/1901")
    assert _patient(sex="M", first_names="Jean Pierre Paul", birth_name="Robert").display_name == (
        "Jean ROBERT (né ROBERT) né le 27/03/1901")
    assert _patient(sex="I", first_names="Camille").display_name == (
        "Camille REPAP TEST (né(e) REPAP TEST) né(e) le 27/03/1901")
    assert _patient(birth_name="d'Artagnan", birth_date=dt.date(1988, 8, 1)).display_name == (
        "Cecilia D'ARTAGNAN (née D'ARTAGNAN) née le 01/08/1988")


def test_first_name_is_the_first_birth_first_name():
    assert _patient(first_names="  Marie   Hélène ").first_name == "Marie"
    assert _patient(first_names="Jean-Pierre Louis").first_name == "Jean-Pierre"
    assert _patient(first_names="").first_name == ""


def test_fold():
    assert fold("  Lætitia  D'ARTAGNAN-Éloïse ") == "laetitia d artagnan eloise"
    assert fold("ŒUVRE Straße Øster") == "oeuvre strasse oster"
    assert fold("%_*") == ""
