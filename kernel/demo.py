"""Demo data for ``relais demo``: French professionals, a coordination structure and test patients.

Everything is created idempotently (looked up by login, address or identity before being made), so
starting the demo twice keeps the same accounts and whatever was exchanged in between.
"""
from __future__ import annotations

import datetime as dt
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

from flask import Flask

from .auth.passwords import hash_password
from .demo_directory import PublishedAddress
from .directory import sync_identity
from .models import PERSON, STRUCTURE, Account, Delegation, Identity, MailAddress, Patient
from .models.delegation import SCOPE_ALL, SCOPE_MAIL
from .services.patients import take_into_care

log = logging.getLogger(__name__)

DEMO_PASSWORD = "demo1234"
DEMO_DOMAIN = "demo.relais-sante.mssante.fr"
# Written in a folder the demo owns: ``--reset`` only ever wipes a folder carrying it.
MARKER = ".relais-demo"
# OID of INS-NIR *test* identities: demo matricules must never pass for real patients' ones.
INS_NIR_TEST_OID = "1.2.250.1.213.1.4.10"


class DemoError(Exception):
    """The demo cannot start; the message is a French sentence for the user."""


@dataclass(frozen=True)
class DemoProfessional:
    login: str
    title: str
    first_name: str
    last_name: str
    profession: str
    rpps: str | None
    addresses: tuple[str, ...]
    eligible: bool

    @property
    def display_name(self) -> str:
        return " ".join(p for p in (self.title, self.first_name, self.last_name.upper()) if p)


def _address(local: str) -> str:
    return f"{local}@{DEMO_DOMAIN}"


# RPPS numbers are fictitious but shaped like real ones: 11 digits, "10" prefix, Luhn key.
# Coordinators and secretaries are not health professionals: no RPPS, not eligible to MSSanté, so
# no personal address either; they write through delegations (the structure, a doctor).
PROFESSIONALS: tuple[DemoProfessional, ...] = (
    DemoProfessional("julie.bernard", "Dr", "Julie", "Bernard", "Médecin généraliste", "10003412870",
                     (_address("julie.bernard"),), True),
    DemoProfessional("marc.petit", "", "Marc", "Petit", "Infirmier", "10018729433",
                     (_address("marc.petit"),), True),
    # A hospital cardiologist who also consults in town: two addresses, the sender picks one or both.
    DemoProfessional("thomas.durand", "Dr", "Thomas", "Durand", "Cardiologue (centre hospitalier)", "10022647183",
                     (_address("thomas.durand"), _address("thomas.durand.ch")), True),
    DemoProfessional("sophie.laurent", "Dr", "Sophie", "Laurent", "Dermatologue (téléexpertise)", "10009155366",
                     (_address("sophie.laurent"),), True),
    DemoProfessional("claire.moreau", "", "Claire", "Moreau", "Coordinatrice de parcours", None, (), False),
    DemoProfessional("isabelle.roux", "", "Isabelle", "Roux", "Secrétaire médicale", None, (), False),
)

# Where each professional's addresses lead, as the national extraction publishes them (profession and
# savoir-faire codes, then per address its structure, service and city): the demo's directory carries these
# lines, so a picker says which practice or hospital each address reaches, as it would with real data.
WORKPLACES: dict[str, tuple[str, str, tuple[tuple[str, str, str], ...]]] = {
    "julie.bernard": ("10", "SM54", (("CABINET MEDICAL BERNARD", "", "CLERMONT-FERRAND"),)),
    "marc.petit": ("60", "", (("CABINET DE SOINS INFIRMIERS PETIT", "", "CLERMONT-FERRAND"),)),
    "thomas.durand": ("10", "SM04", (("CABINET DE CARDIOLOGIE DURAND", "", "CLERMONT-FERRAND"),
                                     ("CHU DE CLERMONT-FERRAND", "Cardiologie", "CLERMONT-FERRAND"))),
    "sophie.laurent": ("10", "SM15", (("CABINET DE DERMATOLOGIE LAURENT", "", "LYON"),)),
}


def published_addresses() -> tuple[PublishedAddress, ...]:
    """The demo professionals' addresses as lines of the demo's national directory (kernel/demo_directory.py)."""
    by_login = {p.login: p for p in PROFESSIONALS}
    return tuple(PublishedAddress(address, p.rpps or "", p.title.upper(), p.last_name, p.first_name, code, specialty,
                                  organisation, city, service)
                 for login, (code, specialty, places) in WORKPLACES.items()
                 for p in (by_login[login],)
                 for address, (organisation, service, city) in zip(p.addresses, places))


STRUCTURE_NAME = "Coordination REPAP"
STRUCTURE_ADDRESS = _address("coordination.repap")
STRUCTURE_DELEGATES = ("claire.moreau", "isabelle.roux")
# The secretary also handles the secure mail of the GP she works with ("Agir en tant que Dr Julie BERNARD"),
# and only her mail: the doctor's conversations stay the doctor's (a delegation of scope "mail").
PERSONAL_DELEGATIONS = (("isabelle.roux", "julie.bernard", SCOPE_MAIL),)


@dataclass(frozen=True)
class DemoPatient:
    first_names: str
    birth_name: str
    used_name: str
    birth_date: dt.date
    sex: str
    birthplace_code: str = ""
    ins: str | None = None


# The INS matricules agree with sex, birth year/month and birthplace, and carry a valid key.
PATIENTS: tuple[DemoPatient, ...] = (
    DemoPatient("Cecilia", "REPAP TEST", "", dt.date(1901, 3, 27), "F"),
    DemoPatient("Marie Hélène", "DUPONT", "MARTIN", dt.date(1979, 3, 12), "F", "51215", "279035121518989"),
    DemoPatient("Jean Pierre", "ROBERT", "", dt.date(1946, 2, 14), "M", "63220", "146026322000196"),
    DemoPatient("Antoinette", "ALBERTINI", "", dt.date(1953, 7, 8), "F", "2B073", "253072B07300470"),
    DemoPatient("Lucas", "LEROY", "", dt.date(2018, 5, 4), "M"),
)


def prepare_data_dir(data_dir: Path, reset: bool) -> None:
    """Make ``data_dir`` a demo folder, wiped first with ``reset``. Refuses a folder holding other data,
    so a mistyped ``--data-dir`` can neither erase nor fill a real installation."""
    if data_dir.exists() and not data_dir.is_dir():
        raise DemoError(f"« {data_dir} » est un fichier, pas un dossier : choisissez un autre --data-dir.")
    foreign = data_dir.is_dir() and any(data_dir.iterdir()) and not (data_dir / MARKER).exists()
    if foreign:
        raise DemoError(f"le dossier « {data_dir} » contient des données qui ne viennent pas de la démo : "
                        "choisissez un dossier vide ou nouveau avec --data-dir.")
    if reset and data_dir.is_dir():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / MARKER).write_text("Dossier de démonstration de Relais Santé (effacé par relais demo --reset).\n")


def seed(app: Flask) -> bool:
    """Create whatever demo data is missing (accounts all use ``DEMO_PASSWORD``); True on a new demo."""
    database = app.extensions["relais"].database
    with app.app_context(), database.atomic():
        new = not Account.select().where(Account.login == PROFESSIONALS[0].login).exists()
        # One hash for every demo account: the password is public anyway, and argon2 costs ~0.1 s each.
        password_hash = hash_password(DEMO_PASSWORD) if new else None
        accounts = {p.login: _professional(p, password_hash) for p in PROFESSIONALS}
        structure = _structure(STRUCTURE_NAME, STRUCTURE_ADDRESS)
        for login in STRUCTURE_DELEGATES:
            _delegate(accounts[login], structure)
        for delegate, principal, scope in PERSONAL_DELEGATIONS:
            _delegate(accounts[delegate], accounts[principal].identity, granted_by=accounts[principal], scope=scope)
        # The demo's professionals form one care team around its patients (and the structure they act
        # for): each finds them by name (docs/security.md, "Who sees a patient").
        care_team = [a.identity_id for a in accounts.values()] + [structure.id]
        for patient in PATIENTS:
            _patient(patient, created_by=accounts["julie.bernard"], care_team=care_team)
        # Searchable in the directory, beside the national entries (again on a second run: idempotent).
        for identity_id in [a.identity_id for a in accounts.values()] + [structure.id]:
            sync_identity(identity_id)
        _seed_plugins(app, accounts, structure)
    return new


def _seed_plugins(app: Flask, accounts: dict[str, Account], structure: Identity) -> None:
    """Each enabled plugin adds its channel's demo data (seed_demo), in a savepoint of its own: a plugin
    whose seeding fails is logged and leaves nothing half-written, and the others' data still comes."""
    relais = app.extensions["relais"]
    patients = [_find_patient(p) for p in PATIENTS]
    for impl in reversed(relais.pm.hook.seed_demo.get_hookimpls()):
        name = relais.pm.get_name(impl.plugin) or repr(impl.plugin)
        kwargs = {"accounts": dict(accounts), "structure": structure, "patients": list(patients)}
        try:
            with relais.database.atomic():
                impl.function(*[kwargs[arg] for arg in impl.argnames])
        except Exception:
            log.exception("plugin %s: seed_demo failed; its demo data is left out", name)


def _find_patient(p: DemoPatient) -> Patient:
    return Patient.get((Patient.birth_name == p.birth_name) & (Patient.first_names == p.first_names)
                       & (Patient.birth_date == p.birth_date))


def _professional(p: DemoProfessional, password_hash: str | None) -> Account:
    account = Account.get_or_none(Account.login == p.login)
    if account is not None:
        return account
    identity = Identity.create(kind=PERSON, display_name=p.display_name, mssante_eligible=p.eligible)
    for address in p.addresses:
        MailAddress.create(identity=identity, address=address)
    return Account.create(login=p.login, password_hash=password_hash or hash_password(DEMO_PASSWORD),
                          first_name=p.first_name,
                          last_name=p.last_name, profession=p.profession, rpps=p.rpps, identity=identity)


def _structure(name: str, address: str) -> Identity:
    structure = Identity.get_or_none((Identity.kind == STRUCTURE) & (Identity.display_name == name))
    if structure is None:
        # An organisational mailbox is eligible to MSSanté whoever writes from it.
        structure = Identity.create(kind=STRUCTURE, display_name=name, structure_type="coordination",
                                    mssante_eligible=True)
    if MailAddress.get_or_none(MailAddress.address == address) is None:
        MailAddress.create(identity=structure, address=address)
    return structure


def _delegate(delegate: Account, principal: Identity, granted_by: Account | None = None,
              scope: str = SCOPE_ALL) -> None:
    exists = Delegation.get_or_none((Delegation.delegate == delegate) & (Delegation.principal == principal))
    if exists is None:
        Delegation.create(delegate=delegate, principal=principal, granted_by=granted_by, scope=scope)


def _patient(p: DemoPatient, created_by: Account, care_team: list[int]) -> None:
    patient = Patient.get_or_none((Patient.birth_name == p.birth_name) & (Patient.first_names == p.first_names)
                                  & (Patient.birth_date == p.birth_date))
    if patient is None:
        patient = Patient.create(birth_name=p.birth_name, used_name=p.used_name, first_names=p.first_names,
                                 birth_date=p.birth_date, sex=p.sex, birthplace_code=p.birthplace_code, ins=p.ins,
                                 ins_oid=INS_NIR_TEST_OID if p.ins else None, qualified=p.ins is not None,
                                 created_by=created_by)
    for identity_id in care_team:
        take_into_care(identity_id, patient.id, created_by)
