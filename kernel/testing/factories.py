"""Builders for test data: accounts (with their identity), structures, delegations, patients, tokens.

They write rows directly, so call them inside an app context (the kit's ``relais_app`` fixture is one).
"""
from __future__ import annotations

import datetime as dt
import functools
import itertools

from ..auth.passwords import hash_password
from ..auth.tokens import create_token
from ..directory import sync_identity
from ..models import Account, Delegation, Identity, MailAddress, Patient

PASSWORD = "motdepasse-de-test"
_sequence = itertools.count(1)


@functools.cache
def _password_hash() -> str:
    # argon2 with its defaults costs ~50 ms: tests create many accounts, so hash the one password once.
    return hash_password(PASSWORD)


def make_account(login: str | None = None, first: str = "Alice", last: str = "Martin",
                 profession: str = "Médecin", eligible: bool = True, addresses: tuple[str, ...] = (),
                 is_admin: bool = False) -> Account:
    """An active account (password ``PASSWORD``) with its person identity, searchable in the directory.

    :param eligible: whether the person may write on MSSanté (their profession is eligible).
    :param addresses: MSSanté addresses of the identity.
    """
    login = login or f"user{next(_sequence)}"
    identity = Identity.create(kind="person", display_name=f"{first} {last.upper()}", mssante_eligible=eligible)
    for address in addresses:
        MailAddress.create(identity=identity, address=address)
    account = Account.create(login=login, password_hash=_password_hash(), first_name=first, last_name=last,
                             profession=profession, identity=identity, is_admin=is_admin)
    sync_identity(identity)  # searchable in the directory, as the real account creation does
    return account


def make_structure(name: str = "Coordination REPAP", delegates: tuple[Account, ...] = ()) -> Identity:
    """A structure identity (an organisation's mailbox) the ``delegates`` may act as."""
    structure = Identity.create(kind="structure", display_name=name, structure_type="coordination",
                                mssante_eligible=True)
    for account in delegates:
        Delegation.create(delegate=account, principal=structure)
    sync_identity(structure)
    return structure


def make_patient(first: str = "Cecilia", birth_name: str = "REPAP TEST", sex: str = "F", *,
                 birth_date: dt.date = dt.date(1901, 3, 27), used_name: str = "", ins: str | None = None,
                 birthplace_code: str = "", in_care_of: tuple[Account | Identity, ...] | Account | Identity = ()
                 ) -> Patient:
    """A patient; given an INS, a qualified identity (only those carry one) with the INS-NIR OID.

    :param in_care_of: accounts or identities (a structure: all its delegates) that have the patient in
        care, so their name searches find them and their sends may name them (docs/security.md).
    """
    from ..services.patients import take_into_care

    patient = Patient.create(birth_name=birth_name, used_name=used_name, first_names=first, birth_date=birth_date,
                             sex=sex, birthplace_code=birthplace_code, ins=ins, qualified=ins is not None,
                             ins_oid="1.2.250.1.213.1.4.8" if ins else None)
    carers = in_care_of if isinstance(in_care_of, (tuple, list)) else (in_care_of,)
    for carer in carers:
        take_into_care(carer.identity_id if isinstance(carer, Account) else carer.id, patient.id)
    return patient


def bearer(account: Account) -> dict[str, str]:
    """Headers of an API call made with a fresh bearer token of ``account``."""
    _, token = create_token(account, "tests")
    return {"Authorization": f"Bearer {token}"}
