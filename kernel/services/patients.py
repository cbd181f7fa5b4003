"""Patients: the identity rules, creation, search, each account's recent patients and homonym flags.

Every list (search, recent) costs the same two queries whatever its length: one for the patients with
the account's last use joined in, one for the homonym flags of the whole page.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import peewee as pw

from ..db import utcnow, write_transaction
from ..ins import INS_OIDS, OID_INS_NIR, Ins
from ..models import Account, Patient, PatientUse
from ..models.patient import fold

Errors = dict[str, list[str]]
OLDEST_BIRTH_DATE = dt.date(1890, 1, 1)
UNKNOWN_OID = "Cet OID n'est pas celui d'un INS : laissez ce champ vide pour un INS-NIR."
_DATE_FR = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_DATE_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_INS_LIKE = re.compile(r"[0-9]{5}(?:[0-9]{2}|2[AB])[0-9]{8}", re.IGNORECASE)


class IdentityRejected(Exception):
    """The identity cannot be stored; ``errors`` maps fields to French sentences. Nothing was stored."""

    def __init__(self, errors: Errors) -> None:
        super().__init__(errors)
        self.errors = errors


def latest_date_in_france() -> dt.date:
    """Today's date in the French territory whose day starts first (Wallis-et-Futuna, UTC+12), so that a
    baby born this morning anywhere in France is never "born in the future"."""
    return (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=12)).date()


def birth_date_problem(value: dt.date) -> str | None:
    if value > latest_date_in_france():
        return "La date de naissance ne peut pas être dans le futur."
    if value < OLDEST_BIRTH_DATE:
        return "La date de naissance ne peut pas être antérieure au 01/01/1890."
    return None


def identity_problems(data: dict[str, Any]) -> Errors:
    """Rules between fields, checked on whatever is present: an INS only for a qualified identity (and a
    qualified identity always has one), an OID only with an INS, an INS agreeing with sex and birth date.

    The birthplace is not compared with the INS: communes merge, so today's INSEE code of a birthplace
    may rightly differ from the one in a matricule given at birth."""
    errors: Errors = {}
    ins: Ins | None = data.get("ins")
    if ins is not None:
        if "qualified" in data and not data["qualified"]:
            errors.setdefault("ins", []).append(
                "Un INS n'est enregistré que pour une identité qualifiée (vérifiée auprès du téléservice INSi) : "
                "indiquez que l'identité est qualifiée, ou retirez l'INS.")
        if "sex" in data and "birth_date" in data:
            errors.setdefault("ins", []).extend(ins.consistent_with(data["sex"], data["birth_date"]))
    elif "ins" in data and data.get("qualified"):  # no "ins" key: the INS itself was refused
        errors.setdefault("ins", []).append("Une identité qualifiée porte son INS : saisissez-le.")
    if data.get("ins_oid") and "ins" in data and ins is None:
        errors.setdefault("ins_oid", []).append("Saisissez l'INS qui va avec cet OID, ou retirez l'OID.")
    return {k: v for k, v in errors.items() if v}


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def create_patient(account: Account | None, data: dict[str, Any]) -> Patient:
    """Store a new identity (``data`` as loaded by PatientCreateSchema, ``ins`` an ``Ins`` or None);
    raises ``IdentityRejected`` and stores nothing when a rule is broken."""
    data = {"ins": None, "qualified": False, **data}
    errors = identity_problems(data)
    ins: Ins | None = data["ins"]
    if ins is not None and data.get("ins_oid") not in (None, *INS_OIDS):
        errors.setdefault("ins_oid", []).append(UNKNOWN_OID)
    if errors:
        raise IdentityRejected(errors)
    fields = {
        "birth_name": _clean(data["birth_name"]), "used_name": _clean(data.get("used_name")),
        "first_names": _clean(data["first_names"]), "birth_date": data["birth_date"], "sex": data["sex"],
        "birthplace_code": (data.get("birthplace_code") or "").strip().upper(),
        "ins": str(ins) if ins else None, "ins_oid": (data.get("ins_oid") or OID_INS_NIR) if ins else None,
        "qualified": bool(data.get("qualified")), "created_by": account,
    }
    try:
        with write_transaction():
            _refuse_taken_ins(fields["ins"])
            patient = Patient.create(**fields)
            if account is not None:
                # Whoever creates a patient is about to write about them: it leads their recent list.
                mark_used(account, patient)
    except pw.IntegrityError:
        # Two people registering the same INS at the same instant: the unique index decided.
        _refuse_taken_ins(fields["ins"])
        raise
    if account is not None:
        return get_for(account, patient.id) or patient
    patient.last_used_at = None
    flag_homonyms([patient])
    return patient


def _refuse_taken_ins(ins: str | None) -> None:
    holder = Patient.get_or_none(Patient.ins == ins) if ins else None
    if holder is not None:
        raise IdentityRejected({"ins": [f"Un patient porte déjà cet INS : {holder.display_name}"]})


def mark_used(account: Account | int, patient: Patient | int) -> None:
    """Remember that ``account`` just used ``patient`` (upsert: one row per account and patient)."""
    now = utcnow()
    (PatientUse.insert(account=account, patient=patient, last_used_at=now)
     .on_conflict(conflict_target=[PatientUse.account, PatientUse.patient], update={PatientUse.last_used_at: now})
     .execute())


@dataclass
class Criteria:
    """What a picker query asks for: name prefixes (any order), a birth date, an exact INS."""

    words: list[str] = field(default_factory=list)
    birth_dates: set[dt.date] = field(default_factory=set)
    ins: set[str] = field(default_factory=set)
    impossible: bool = False  # e.g. 31/02/1990: nobody can match

    @property
    def empty(self) -> bool:
        return not (self.words or self.birth_dates or self.ins or self.impossible)


def parse_query(q: str) -> Criteria:
    criteria = Criteria()
    if _INS_LIKE.fullmatch(re.sub(r"\s+", "", q)):  # an INS typed in groups: "2 79 03 51 215 189 89"
        criteria.ins.add(re.sub(r"\s+", "", q).upper())
        return criteria
    for token in q.split():
        fr, iso = _DATE_FR.fullmatch(token), _DATE_ISO.fullmatch(token)
        if fr or iso:
            day, month, year = (fr.groups() if fr else tuple(reversed(iso.groups())))  # type: ignore[union-attr]
            try:
                criteria.birth_dates.add(dt.date(int(year), int(month), int(day)))
            except ValueError:
                criteria.impossible = True
        elif _INS_LIKE.fullmatch(token):
            criteria.ins.add(token.upper())
        else:
            criteria.words.extend(fold(token).split())
    # Two different dates, or two INS: no patient has both.
    criteria.impossible |= len(criteria.birth_dates) > 1 or len(criteria.ins) > 1
    return criteria


def _with_last_use(account: Account, outer: bool) -> pw.ModelSelect:
    on = (PatientUse.patient == Patient.id) & (PatientUse.account == account.id)
    return (Patient.select(Patient, PatientUse.last_used_at)
            .join(PatientUse, pw.JOIN.LEFT_OUTER if outer else pw.JOIN.INNER, on=on))


def search(account: Account, q: str, limit: int = 20) -> list[Patient]:
    """Patients matching ``q``, the ones this account used most recently first, then by name."""
    criteria = parse_query(q)
    if criteria.impossible:
        return []
    query = _with_last_use(account, outer=True)
    for word in criteria.words:
        query = query.where(Patient.search_text ** f"% {word}%")
    for birth_date in criteria.birth_dates:
        query = query.where(Patient.birth_date == birth_date)
    for ins in criteria.ins:
        query = query.where(Patient.ins == ins)
    never_used = pw.Case(None, [(PatientUse.last_used_at.is_null(), 1)], 0)
    rows = list(query.order_by(never_used, PatientUse.last_used_at.desc(), Patient.homonym_key, Patient.id)
                .limit(limit).objects())
    flag_homonyms(rows)
    return rows


def recent(account: Account, limit: int = 20) -> list[Patient]:
    """The patients this account used, most recent first, each with ``last_used_at``."""
    rows = list(_with_last_use(account, outer=False)
                .order_by(PatientUse.last_used_at.desc(), PatientUse.id.desc()).limit(limit).objects())
    flag_homonyms(rows)
    return rows


def known_patient(account_id: int, patient_id: int) -> Patient | None:
    """The patient if the account used them lately or one of its visible exchanges is about them; else
    None, exactly as for a patient that does not exist (an identity is health data)."""
    from ..models import Exchange
    from .acting_as import visible_exchanges

    patient = Patient.get_or_none(Patient.id == patient_id)
    if patient is None:
        return None
    recent = PatientUse.select().where((PatientUse.account == account_id) & (PatientUse.patient == patient_id))
    if recent.exists():
        return patient
    about = Exchange.select().where((Exchange.patient == patient_id) & Exchange.id.in_(visible_exchanges(account_id)))
    return patient if about.exists() else None


def get_for(account: Account, patient_id: int) -> Patient | None:
    if known_patient(account.id, patient_id) is None:
        return None
    rows = list(_with_last_use(account, outer=True).where(Patient.id == patient_id).objects())
    flag_homonyms(rows)
    return rows[0] if rows else None


def flag_homonyms(patients: list[Patient]) -> None:
    """Set ``homonym`` on each patient: another record has the same folded birth name, first first name
    and birth date. The INS being unique, that other record has a different INS or none. One query."""
    keys = {p.homonym_key for p in patients}
    if not keys:
        return
    counts = dict(Patient.select(Patient.homonym_key, pw.fn.COUNT(Patient.id))
                  .where(Patient.homonym_key.in_(list(keys))).group_by(Patient.homonym_key).tuples())
    for p in patients:
        p.homonym = counts.get(p.homonym_key, 0) > 1
