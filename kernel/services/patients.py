"""Patients: the identity rules, creation, who has a patient in care, search, recent patients, homonyms.

A name search finds only the patients in the account's care (docs/security.md, "Who sees a patient");
any other patient is reached by their full INS or their full identity traits, which is audited and takes
them into care. Every list (search, recent) costs the same two queries whatever its length: one for the
patients with the account's last use joined in, one for the homonym flags of the whole page.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import peewee as pw

from ..db import utcnow, write_transaction
from ..ins import INS_OIDS, OID_INS_NIR, Ins
from ..models import Account, Exchange, Patient, PatientCare, PatientUse
from ..models.patient import fold
from .acting_as import identity_ids_query, visible_exchanges

Errors = dict[str, list[str]]
OLDEST_BIRTH_DATE = dt.date(1890, 1, 1)
UNKNOWN_OID = "Cet OID n'est pas celui d'un INS : laissez ce champ vide pour un INS-NIR."
# Says neither who holds the INS nor their traits: the caller may not have that patient in care.
INS_TAKEN = ("Cet INS est déjà enregistré avec d'autres traits d'identité : vérifiez le nom de naissance, "
             "les prénoms, la date de naissance et le sexe (téléservice INSi), puis saisissez-les exactement.")
REACH_BY_INS, REACH_BY_TRAITS = "patient.reach_by_ins", "patient.reach_by_traits"
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


def create_patient(account: Account, data: dict[str, Any]) -> tuple[Patient, bool]:
    """Store a new identity (``data`` as loaded by PatientCreateSchema, ``ins`` an ``Ins`` or None) and
    return it with True. An INS already registered with exactly the same traits is that patient: it is
    returned with False, reached by INS (audited, taken into care). Raises ``IdentityRejected`` and stores
    nothing when a rule is broken, or when the INS is registered with other traits."""
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
            holder = _ins_holder(fields)
            if holder is not None:
                reach(account, [holder], REACH_BY_INS)
                mark_used(account, holder)
                return get_for(account, holder.id) or holder, False
            patient = Patient.create(**fields)
            # Whoever creates a patient is about to write about them: it leads their recent list.
            mark_used(account, patient)
            take_into_care(account.identity_id, patient.id, account)
    except pw.IntegrityError:
        # Two people registering the same INS at the same instant: the unique index decided.
        _ins_holder(fields)
        raise
    return get_for(account, patient.id) or patient, True


def _ins_holder(fields: dict[str, Any]) -> Patient | None:
    """The patient already registered with this INS if the traits are exactly theirs; None for a free INS."""
    holder = Patient.get_or_none(Patient.ins == fields["ins"]) if fields["ins"] else None
    if holder is not None and not same_traits(holder, fields["birth_name"], fields["first_names"],
                                              fields["birth_date"], fields["sex"]):
        raise IdentityRejected({"ins": [INS_TAKEN]})
    return holder


def same_traits(patient: Patient, birth_name: str, first_names: str, birth_date: dt.date, sex: str) -> bool:
    """The INS identity traits match exactly, accents, case and spacing aside: birth name, birth date, sex,
    and the birth first names (all of them, or the first one alone when only that one is known)."""
    given = fold(first_names)
    return (fold(patient.birth_name) == fold(birth_name) and patient.birth_date == birth_date
            and patient.sex == sex and bool(given) and given in (fold(patient.first_names), fold(patient.first_name)))


def mark_used(account: Account | int, patient: Patient | int) -> None:
    """Remember that ``account`` just used ``patient`` (upsert: one row per account and patient)."""
    now = utcnow()
    (PatientUse.insert(account=account, patient=patient, last_used_at=now)
     .on_conflict(conflict_target=[PatientUse.account, PatientUse.patient], update={PatientUse.last_used_at: now})
     .execute())


def take_into_care(identity_id: int, patient_id: int, granted_by: Account | int | None = None) -> None:
    """``identity`` (a professional, or a structure for all who act for it) takes ``patient`` in care."""
    (PatientCare.insert(identity=identity_id, patient=patient_id, since=utcnow(), granted_by=granted_by)
     .on_conflict_ignore().execute())


def in_care_query(account_id: int) -> pw.SelectQuery:
    """Ids of the patients in the account's care (a subquery): the ones it used, the ones in the care of
    an identity it acts for (its own, or a structure or professional that delegated to it), and the
    patients of the exchanges it sees."""
    identities = identity_ids_query(account_id)
    used = PatientUse.select(PatientUse.patient).where(PatientUse.account == account_id)
    cared = PatientCare.select(PatientCare.patient).where(PatientCare.identity.in_(identities))
    # The exchanges it may see, scope-aware: a mail-only delegate does not learn the patients of its
    # principal's conversations.
    about = (Exchange.select(Exchange.patient)
             .where(Exchange.id.in_(visible_exchanges(account_id)) & Exchange.patient.is_null(False)))
    return used | cared | about


def reach(account: Account, patients: list[Patient], action: str) -> None:
    """The account reached these patients by their full INS or full traits: whichever was not in its care
    is taken into its own identity's care, and the reach is audited, one line per patient."""
    from ..relais import current_relais

    if not patients:
        return
    ids = [p.id for p in patients]
    in_care = {row.id for row in Patient.select(Patient.id)
               .where(Patient.id.in_(ids) & Patient.id.in_(in_care_query(account.id)))}
    outside = [i for i in ids if i not in in_care]
    if not outside:
        return
    audit = current_relais().audit
    with write_transaction():
        for patient_id in outside:
            take_into_care(account.identity_id, patient_id, account)
            audit.record(action, account_id=account.id, target=f"patient:{patient_id}", status=200)


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
    """Patients matching ``q``, the ones this account used most recently first, then by name: among the
    patients in its care, unless ``q`` holds a full INS, which reaches any patient (see ``reach``)."""
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
    if not criteria.ins:
        query = query.where(Patient.id.in_(in_care_query(account.id)))
    rows = _ordered(query, limit)
    if criteria.ins:
        reach(account, rows, REACH_BY_INS)
    flag_homonyms(rows, account.id)
    return rows


def search_by_traits(account: Account, birth_name: str, first_names: str, birth_date: dt.date,
                     sex: str, limit: int = 20) -> list[Patient]:
    """Every patient whose identity traits are exactly these (see ``same_traits``), in care or not: a reach
    by traits, audited for those outside the account's care. Homonyms with the same traits all come back."""
    first = (fold(first_names).split() or [""])[0]
    query = _with_last_use(account, outer=True).where(
        (Patient.homonym_key == f"{fold(birth_name)}|{first}|{birth_date}") & (Patient.sex == sex))
    rows = [p for p in _ordered(query, limit) if same_traits(p, birth_name, first_names, birth_date, sex)]
    reach(account, rows, REACH_BY_TRAITS)
    flag_homonyms(rows, account.id)
    return rows


def _ordered(query: pw.ModelSelect, limit: int) -> list[Patient]:
    never_used = pw.Case(None, [(PatientUse.last_used_at.is_null(), 1)], 0)
    return list(query.order_by(never_used, PatientUse.last_used_at.desc(), Patient.homonym_key, Patient.id)
                .limit(limit).objects())


def recent(account: Account, limit: int = 20) -> list[Patient]:
    """The patients this account used, most recent first, each with ``last_used_at``."""
    rows = list(_with_last_use(account, outer=False)
                .order_by(PatientUse.last_used_at.desc(), PatientUse.id.desc()).limit(limit).objects())
    flag_homonyms(rows, account.id)
    return rows


def known_patient(account_id: int, patient_id: int) -> Patient | None:
    """The patient if in the account's care (``in_care_query``); else None, exactly as for a patient that
    does not exist (an identity is health data)."""
    return Patient.get_or_none((Patient.id == patient_id) & Patient.id.in_(in_care_query(account_id)))


def get_for(account: Account, patient_id: int) -> Patient | None:
    """The patient with the account's last use and homonym flag, if in its care; else None."""
    rows = list(_with_last_use(account, outer=True)
                .where((Patient.id == patient_id) & Patient.id.in_(in_care_query(account.id))).objects())
    flag_homonyms(rows, account.id)
    return rows[0] if rows else None


def flag_homonyms(patients: list[Patient], account_id: int) -> None:
    """Set ``homonym`` on each patient: another record in the account's care has the same folded birth
    name, first first name and birth date. Only records in care count: a flag raised by a stranger's
    patient would tell that someone with those traits is cared for here. One query."""
    keys = {p.homonym_key for p in patients}
    if not keys:
        return
    counted = Patient.id.in_(in_care_query(account_id)) | Patient.id.in_([p.id for p in patients])
    counts = dict(Patient.select(Patient.homonym_key, pw.fn.COUNT(Patient.id))
                  .where(Patient.homonym_key.in_(list(keys)) & counted).group_by(Patient.homonym_key).tuples())
    for p in patients:
        p.homonym = counts.get(p.homonym_key, 0) > 1
