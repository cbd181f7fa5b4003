"""INS / NIR matricules: validation, decoding and the Mon Espace Santé address (the one place this lives).

Layout of the 15 characters (see docs STANDARDS, INS / NIR): sex (1), birth year (2), birth month (2),
birth place (5: département 2 + commune 3; overseas département 3 + commune 2; or ``99`` + INSEE
country code 3), order number (3), then the key (2) = 97 - (first 13 digits mod 97), Corsica's
``2A``/``2B`` read as ``19``/``18`` for the modulo.
"""
from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

OID_INS_NIR = "1.2.250.1.213.1.4.8"
OID_INS_NIA = "1.2.250.1.213.1.4.9"
OID_INS_NIR_TEST = "1.2.250.1.213.1.4.10"
OID_INS_NIR_DEMO = "1.2.250.1.213.1.4.11"
INS_OIDS: dict[str, str] = {
    OID_INS_NIR: "INS-NIR", OID_INS_NIA: "INS-NIA",
    OID_INS_NIR_TEST: "INS-NIR de test", OID_INS_NIR_DEMO: "INS-NIR de démonstration",
}
MES_DOMAIN = "patient.mssante.fr"

MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")

# Birthplaces come from INSEE's official lists, shipped as data (kernel/data/README.md says their vintage).
_DATA = Path(__file__).parent / "data"


def _read(name: str, code: str, label: str) -> dict[str, str]:
    with (_DATA / name).open(encoding="utf-8", newline="") as fh:
        return {row[code]: row[label] for row in csv.DictReader(fh)}


# Today's départements (2A/2B included) and the overseas collectivities a NIR uses (975, 977, 978, 984, 986-989).
DEPARTMENT_LABELS: dict[str, str] = {**_read("insee_departements.csv", "DEP", "LIBELLE"),
                                     **_read("insee_collectivites_outre_mer.csv", "COMER", "LIBELLE")}
# Every country code since 1943 (former ones included: a NIR keeps the code of the place at the time of birth),
# by the 3 digits the NIR holds after "99".
COUNTRIES: dict[str, str] = {code[2:]: label for code, label in
                             _read("insee_pays.csv", "COG", "LIBCOG").items() if code != "99100"}
# Codes whose meaning changed: Corsica was one département, 20, until 1976; before 1968, 75 was the Seine,
# 78 Seine-et-Oise, and 91 to 96 stood for Algeria, Morocco or Tunisia, not today's départements. Those are shown
# without a label for births before the change, never guessed.
_BEFORE_1968 = {"75", "78", "91", "92", "93", "94", "95", "96"}
_HISTORICAL = {"20": "Corse"}
_METROPOLITAN = {f"{n:02d}" for n in range(1, 97)} | {"2A", "2B"}

PLACE_PROBLEM = ("Le lieu de naissance du matricule INS (6e et 7e caractères) n'existe pas : {what}. "
                 "Vérifiez la saisie.")
FRANCE_PROBLEM = ("Le code 99100 du matricule INS désigne la France, pas un pays étranger : une naissance en France "
                  "s'écrit avec le numéro du département. Vérifiez la saisie.")
# Overseas codes of the past, for births before the change (Mayotte was the collectivity 985 until 2011).
_HISTORICAL_OVERSEAS = {"985": "Mayotte"}


def place_problem(value: str) -> str | None:
    """Why the birthplace of a 15-character matricule cannot exist (French), or None.

    Only what no birth can have is refused: a département number no département ever had, or 99100 (France
    is not abroad). A country code (99xxx) or an overseas code (97x, 98x) missing from the shipped INSEE lists
    is accepted, as is any commune: the lists lag behind reality and a patient whose matricule carries a
    right key must never be impossible to save or write to. An INS-NIA or another provisional number (first
    digit 3, 4, 7 or 8) is given to people whose birthplace is often unknown: never refused for it."""
    if value[0] in _PROVISIONAL_SEX:
        return None
    department = value[5:7]
    if department == "99":
        return FRANCE_PROBLEM if value[7:10] == "100" else None
    if department in ("97", "98") or department in _METROPOLITAN:
        return None
    return PLACE_PROBLEM.format(what=f"aucun département n'a le numéro {department}")


def department_label(department: str, birth_year: int) -> str | None:
    """The département's name at the time of birth, when the code meant the same then."""
    if department in _HISTORICAL:
        return _HISTORICAL[department]
    if department in _BEFORE_1968 and birth_year < 1968:
        return None
    return DEPARTMENT_LABELS.get(department)


_PROVISIONAL_SEX = {"3": "M", "4": "F", "7": "M", "8": "F"}
_SEX = {"1": "M", "2": "F", **_PROVISIONAL_SEX}
_CORSICA = {"2A": "19", "2B": "18"}
_DIGITS = re.compile(r"[0-9]+")
_SPACES = re.compile(r"\s+")


# Each lists exactly what ``Ins.parse`` accepts (``_SEX``, ``_month_valid``): a user told "1 or 2" would
# "correct" a valid provisional matricule.
SEX_PROBLEM = ("Le matricule INS commence par 1 (homme) ou 2 (femme), ou par 3, 4, 7 ou 8 pour une immatriculation "
               "provisoire ou d'une personne née à l'étranger : vérifiez le premier chiffre.")
MONTH_PROBLEM = ("Le mois de naissance du matricule INS (4e et 5e chiffres) va de 01 à 12, ou de 20 à 42 ou de 50 "
                 "à 99 quand le mois est inconnu : vérifiez la saisie.")


class InvalidIns(ValueError):
    """Not an INS matricule; ``str(exc)`` is a French sentence telling the user what to fix."""


def _month_known(month: int) -> bool:
    return 1 <= month <= 12


def _month_valid(month: int) -> bool:
    # 20-42 and 50-99 stand for an unknown (or fictitious) month of birth.
    return _month_known(month) or 20 <= month <= 42 or 50 <= month <= 99


def compute_key(body: str) -> str:
    """The 2-digit key of a 13-character body (Corsica's 2A/2B read as 19/18)."""
    digits = body[:5] + _CORSICA.get(body[5:7], body[5:7]) + body[7:13]
    return f"{97 - int(digits) % 97:02d}"


@dataclass(frozen=True)
class BirthPlace:
    kind: str  # "department", "overseas", "abroad" or "unknown" (a provisional number's uncoded place)
    department: str | None
    department_label: str | None
    country_code: str | None  # the 3 digits after 99; the INSEE code is "99" + it
    country: str | None
    commune: str | None
    insee_code: str  # the 5-character INSEE code of the place at the time of registration

    def description(self, born: str) -> str:
        if self.kind == "abroad":
            return f"{born} à l'étranger ({self.country or f'pays de code INSEE 99{self.country_code}'})"
        if self.kind == "unknown":
            return f"lieu de naissance non répertorié (code {self.department})"
        if self.kind == "overseas" and not self.department_label:  # a code the shipped lists do not know
            return f"{born} outre-mer (code INSEE {self.department})"
        label = f" ({self.department_label})" if self.department_label else ""
        return f"{born} dans le département {self.department}{label}"


@dataclass(frozen=True)
class InsDecoding:
    sex: str  # "F" or "M"
    provisional: bool  # 3/4/7/8: a provisional or foreign-born registration
    birth_year: int
    birth_month: int | None
    birth_place: BirthPlace
    order: str

    @property
    def sex_label(self) -> str:
        return "Une femme" if self.sex == "F" else "Un homme"

    @property
    def birth_month_label(self) -> str | None:
        return MONTHS[self.birth_month - 1] if self.birth_month else None

    @property
    def description(self) -> str:
        """"Une femme, née en mars 1985, née dans le département 77" (SPEC USAGER-2)."""
        born = "née" if self.sex == "F" else "né"
        when = (f"{born} en {self.birth_month_label} {self.birth_year}" if self.birth_month
                else f"{born} en {self.birth_year} (mois inconnu)")
        return f"{self.sex_label}, {when}, {self.birth_place.description(born)}"


def typing_problem(text: str | None) -> str | None:
    """What is already wrong in a matricule being typed (French), or None while it may still become valid:
    a screen can say it at the field as soon as the wrong character is typed, not only once all 15 are."""
    value = _SPACES.sub("", text or "").upper()
    if len(value) >= 15:
        try:
            Ins.parse(value)
        except InvalidIns as exc:
            return str(exc)
        return None
    corsica = value[5:7] in _CORSICA or value[5:7] == "2"
    letters_ok = _DIGITS.fullmatch(value[:5] + value[7:]) if value[:5] + value[7:] else True
    middle = value[5:7]
    if not letters_ok or not (corsica or not middle or _DIGITS.fullmatch(middle)):
        return ("Le matricule INS ne contient que des chiffres, sauf 2A ou 2B pour une naissance en Corse : "
                "vérifiez la saisie.")
    if value and value[0] not in _SEX:
        return SEX_PROBLEM
    if len(value) >= 5 and not _month_valid(int(value[3:5])):
        return MONTH_PROBLEM
    padded = value + "0" * (15 - len(value))
    enough = {"99": 10, "97": 8, "98": 8}.get(value[5:7], 7)
    if len(value) >= enough:
        return place_problem(padded)
    return None


def typing_description(text: str | None) -> str | None:
    """What a matricule being typed already says, before its 15 characters are there (French, lower case):
    "une femme, née en mars 1985, née dans le département 77 (Seine-et-Marne)", as far as typed; None when nothing
    is known yet or something typed is wrong (``typing_problem``)."""
    value = _SPACES.sub("", text or "").upper()
    if not value or len(value) >= 15 or typing_problem(value):
        return None
    padded = Ins(value + "0" * (15 - len(value)))  # not a valid matricule: only its typed part is read
    female = value[0] in "248"
    born = "née" if female else "né"
    parts = ["une femme" if female else "un homme"]
    if len(value) >= 3:
        year = padded.birth_year()
        month = int(value[3:5]) if len(value) >= 5 else None
        if month is not None and _month_known(month):
            parts.append(f"{born} en {MONTHS[month - 1]} {year}")
        else:
            parts.append(f"{born} en {year}" + (" (mois inconnu)" if month is not None else ""))
    enough = {"99": 10, "97": 8, "98": 8}.get(value[5:7], 7)
    if len(value) >= enough:
        parts.append(padded._birth_place(padded.birth_year()).description(born))
    return ", ".join(parts)


@dataclass(frozen=True)
class Ins:
    """A valid INS matricule (NIR or NIA), 15 characters without spaces."""

    value: str

    @classmethod
    def parse(cls, text: str | None) -> "Ins":
        """Read a matricule as typed (spaces allowed, 2a/2b in any case); raises ``InvalidIns``."""
        value = _SPACES.sub("", text or "").upper()
        if not value:
            raise InvalidIns("Saisissez le matricule INS : 15 caractères, clé comprise.")
        if len(value) != 15:
            raise InvalidIns(f"Le matricule INS compte 15 caractères (13 + une clé de 2 chiffres) : "
                             f"vous en avez saisi {len(value)}.")
        department = value[5:7]
        if not (_DIGITS.fullmatch(value[:5] + value[7:]) and (department in _CORSICA or _DIGITS.fullmatch(department))):
            raise InvalidIns("Le matricule INS ne contient que des chiffres, sauf 2A ou 2B pour une naissance "
                             "en Corse : vérifiez la saisie.")
        if value[0] not in _SEX:
            raise InvalidIns(SEX_PROBLEM)
        if not _month_valid(int(value[3:5])):
            raise InvalidIns(MONTH_PROBLEM)
        if compute_key(value[:13]) != value[13:]:
            raise InvalidIns("La clé du matricule INS ne correspond pas : un chiffre a sans doute été mal saisi, "
                             "vérifiez le numéro.")
        place = place_problem(value)  # after the key: a right key with an impossible place is no typo
        if place:
            raise InvalidIns(place)
        return cls(value)

    @classmethod
    def from_body(cls, body: str) -> "Ins":
        """The INS made of a 13-character body and its computed key (validated like any other)."""
        return cls.parse(body + compute_key(body))

    def __str__(self) -> str:
        return self.value

    @property
    def key(self) -> str:
        return self.value[13:]

    @property
    def provisional(self) -> bool:
        return self.value[0] in _PROVISIONAL_SEX

    def formatted(self) -> str:
        """Grouped for reading aloud: ``2 79 03 51 215 189 89``."""
        v = self.value
        if v[5:7] in ("97", "98"):
            groups = (v[0], v[1:3], v[3:5], v[5:8], v[8:10], v[10:13], v[13:])
        else:
            groups = (v[0], v[1:3], v[3:5], v[5:7], v[7:10], v[10:13], v[13:])
        return " ".join(groups)

    def birth_year(self, birth_date: dt.date | None = None, today: dt.date | None = None) -> int:
        """The full year: the NIR holds 2 digits, so take the birth date's year when it agrees, else the
        most recent year that is not in the future."""
        yy = int(self.value[1:3])
        if birth_date is not None and birth_date.year % 100 == yy:
            return birth_date.year
        this_year = (today or dt.date.today()).year
        year = this_year - this_year % 100 + yy
        return year - 100 if year > this_year else year

    def decode(self, birth_date: dt.date | None = None, today: dt.date | None = None) -> InsDecoding:
        v = self.value
        month = int(v[3:5])
        year = self.birth_year(birth_date, today)
        return InsDecoding(sex=_SEX[v[0]], provisional=self.provisional, birth_year=year,
                           birth_month=month if _month_known(month) else None,
                           birth_place=self._birth_place(year), order=v[10:13])

    def _birth_place(self, birth_year: int) -> BirthPlace:
        v = self.value
        code = v[5:10]
        if v[5:7] == "99":
            return BirthPlace("abroad", None, None, v[7:10], COUNTRIES.get(v[7:10]), None, code)
        if v[5:7] in ("97", "98"):
            label = DEPARTMENT_LABELS.get(v[5:8]) or _HISTORICAL_OVERSEAS.get(v[5:8])
            return BirthPlace("overseas", v[5:8], label, None, None, v[8:10], code)
        if v[5:7] not in _METROPOLITAN:  # only a provisional number gets here (place_problem)
            return BirthPlace("unknown", v[5:7], None, None, None, v[7:10], code)
        return BirthPlace("department", v[5:7], department_label(v[5:7], birth_year), None, None, v[7:10], code)

    def description(self, birth_date: dt.date | None = None) -> str:
        return self.decode(birth_date).description

    def mes_address(self) -> str:
        """The patient's Mon Espace Santé mailbox."""
        return f"{self.value}@{MES_DOMAIN}"

    def consistent_with(self, sex: str | None, birth_date: dt.date | None) -> list[str]:
        """What, in an identity's sex and birth date, contradicts this matricule (French sentences)."""
        decoded = self.decode(birth_date)
        problems = []
        if sex in ("F", "M") and sex != decoded.sex:
            whose = "d'une femme" if decoded.sex == "F" else "d'un homme"
            problems.append(f"Le sexe ne correspond pas à l'INS : ce matricule est celui {whose}.")
        if birth_date is not None:
            yy = self.value[1:3]
            if birth_date.year % 100 != int(yy):
                problems.append(f"L'année de naissance ne correspond pas à l'INS : le matricule indique une année "
                                f"finissant par {yy}, la date saisie est en {birth_date.year}.")
            if decoded.birth_month and decoded.birth_month != birth_date.month:
                problems.append(f"Le mois de naissance ne correspond pas à l'INS : le matricule indique "
                                f"{decoded.birth_month_label}, la date saisie est en {MONTHS[birth_date.month - 1]}.")
        return problems
