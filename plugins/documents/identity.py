"""Who a received document is about: the patient identity an IHE XDM package gives, matched on the INS
*and* the identity traits, as the INS rules require (docs/security.md, "Who sees a patient").

A document is linked to a registered patient only when everything agrees; otherwise nothing is linked
and the reason is kept, so that the thread shows an identity to check instead of a silent guess.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from kernel import INS_OIDS, OID_INS_NIR, ExchangePanel, Ins, InvalidIns, fold, same_traits
from kernel.models import Exchange, Patient

from .read_xdm import Package

_XDM_PATIENT = re.compile(r"^\s*([0-9]{5}(?:[0-9]{2}|2[AB])[0-9]{8})\^\^\^&([0-9.]+)&ISO", re.IGNORECASE)
_PID = re.compile(r"^PID-([578])\|(.*)$", re.DOTALL)
_SEX = {"F": "F", "M": "M", "U": "I", "O": "I", "A": "I", "I": "I"}
IDENTITY_CHECK = "identity_check"  # in a message's and its thread's data: a document's identity to check

MISSING_TRAITS = ("Le document ne donne pas tous les traits d'identité du patient (nom de naissance, prénoms, "
                  "date de naissance, sexe) : il n'est pas rattaché sur le seul INS.")
OTHER_TRAITS = ("Les traits d'identité du document ne correspondent pas à ceux du patient enregistré avec cet INS : "
                "vérifiez l'identité avant de choisir le patient de ce fil.")
OTHER_OID = ("L'INS du document n'est pas du même type (OID) que celui du patient enregistré : "
             "vérifiez l'identité avant de choisir le patient de ce fil.")
SEVERAL = ("Le document nomme plusieurs identités de patient différentes : choisissez vous-même le patient "
           "de ce fil.")


@dataclass
class DocumentIdentity:
    """What the package says of its patient; several values for a trait mean the package disagrees."""

    ins: set[tuple[str, str]] = field(default_factory=set)  # (matricule, OID)
    names: set[tuple[str, str]] = field(default_factory=set)  # (birth name, birth first names)
    births: set[str] = field(default_factory=set)  # YYYYMMDD
    sexes: set[str] = field(default_factory=set)

    def traits(self) -> dict[str, Any]:
        """The traits as received (for the user to check), one value each or none."""
        (ins, oid), (birth_name, first_names) = _one(self.ins, ("", "")), _one(self.names, ("", ""))
        birth = _one(self.births, "")
        return {"ins": ins, "ins_oid": oid, "birth_name": birth_name, "first_names": first_names,
                "birth_date": f"{birth[:4]}-{birth[4:6]}-{birth[6:8]}" if birth else "", "sex": _one(self.sexes, "")}


def _one(values: set, default: Any) -> Any:
    return next(iter(values)) if len(values) == 1 else default


@dataclass
class Match:
    """The registered patient the document is about (linked), or why none is (``check``: shown to the user)."""

    patient: Patient | None = None
    check: dict[str, Any] | None = None


def identity_of(packages: list[Package]) -> DocumentIdentity:
    """Every patient identifier and trait the packages' documents and submission sets give."""
    found = DocumentIdentity()
    for package in packages:
        for value in package.patient_ids:
            ins = _XDM_PATIENT.match(value or "")
            if ins:
                found.ins.add((ins.group(1).upper(), ins.group(2)))
        for value in package.patient_info:
            pid = _PID.match(value.strip())
            if pid is None:
                continue
            number, text = pid.groups()
            if number == "5":
                name = _birth_name(text)
                if name:
                    found.names.add(name)
            elif number == "7" and text.strip():
                found.births.add(text.strip()[:8])
            elif number == "8" and text.strip():
                found.sexes.add(text.strip())
    return found


def match_document(packages: list[Package]) -> Match:
    """Link when a single INS with its OID names a qualified identity and every trait agrees. No package,
    no INS, an unreadable package or an INS nobody here holds: nothing to link and nothing to check."""
    if not packages:
        return Match()
    found = identity_of(packages)
    if not found.ins:
        return Match()
    if len(found.ins) > 1 or len(found.names) > 1 or len(found.births) > 1 or len(found.sexes) > 1:
        return _to_check(found, SEVERAL)
    [(matricule, oid)] = found.ins
    try:
        matricule = str(Ins.parse(matricule))
    except InvalidIns:
        return Match()
    patient = Patient.get_or_none((Patient.ins == matricule) & Patient.qualified)
    if patient is None:
        return Match()
    if oid not in INS_OIDS or (patient.ins_oid or OID_INS_NIR) != oid:
        return _to_check(found, OTHER_OID)
    if not (found.names and found.births and found.sexes):
        return _to_check(found, MISSING_TRAITS)
    [(birth_name, first_names)], [birth], [sex] = found.names, found.births, found.sexes
    try:
        born = dt.datetime.strptime(birth[:8], "%Y%m%d").date()
    except ValueError:
        return _to_check(found, MISSING_TRAITS)
    if not same_traits(patient, birth_name, first_names, born, _SEX.get(sex.upper(), "")):
        return _to_check(found, OTHER_TRAITS)
    return Match(patient=patient)


def _to_check(found: DocumentIdentity, reason: str) -> Match:
    return Match(check={**found.traits(), "reason": reason})


def _birth_name(value: str) -> tuple[str, str] | None:
    """(birth name, birth first names) from an XPN "NOM^Prénom^Autres prénoms^^^^Type"; None for a name of
    another type than the legal one (L), e.g. the used name (D), and for a name without its parts."""
    parts = (value.split("^") + [""] * 7)[:7]
    family, given, others, kind = parts[0].strip(), parts[1].strip(), parts[2].strip(), parts[6].strip().upper()
    if kind not in ("", "L") or not family or not given:
        return None
    # The other first names may be listed alone, or as the whole list starting with the first one.
    given_all = others if fold(others).split()[:1] == fold(given).split()[:1] else f"{given} {others}".strip()
    return family, given_all


def identity_check_panels(exchange: Exchange) -> list[ExchangePanel]:
    """The thread's « Identité à vérifier » banner: a received document's identity was not linked, and the
    thread still has no patient. It shows the traits the document gives, never a registered identity's."""
    check = (exchange.data or {}).get(IDENTITY_CHECK) if exchange.patient_id is None else None
    if not isinstance(check, dict):
        return []
    said = [" ".join(part for part in (check.get("birth_name", "").upper(), check.get("first_names", "")) if part)]
    if check.get("birth_date"):
        year, month, day = check["birth_date"].split("-")
        said.append(f"né(e) le {day}/{month}/{year}")
    if check.get("sex"):
        said.append(f"sexe {check['sex']}")
    if check.get("ins"):
        said.append(f"INS {check['ins']}")
    text = f"Le document reçu nomme : {', '.join(s for s in said if s)}. {check.get('reason', '')}".strip()
    return [ExchangePanel("identity_check", "Identité à vérifier", text=text, level="warning", order=5,
                          data={IDENTITY_CHECK: check})]
