"""Small builders for test data: accounts, structures, delegations, patients, tokens."""
from __future__ import annotations

import datetime as dt
import itertools

from kernel.auth.passwords import hash_password
from kernel.auth.tokens import create_token
from kernel.directory import sync_identity
from kernel.models import Account, Delegation, Identity, MailAddress, Patient

_seq = itertools.count(1)
PASSWORD = "motdepasse-de-test"
# Hashing with argon2's defaults costs ~50 ms; tests create many accounts, so hash once.
_HASH = None


def make_account(login: str | None = None, first: str = "Alice", last: str = "Martin",
                 profession: str = "Médecin", eligible: bool = True, addresses: tuple[str, ...] = ()) -> Account:
    global _HASH
    if _HASH is None:
        _HASH = hash_password(PASSWORD)
    n = next(_seq)
    login = login or f"user{n}"
    identity = Identity.create(kind="person", display_name=f"{first} {last.upper()}", mssante_eligible=eligible)
    for address in addresses:
        MailAddress.create(identity=identity, address=address)
    account = Account.create(login=login, password_hash=_HASH, first_name=first, last_name=last,
                             profession=profession, identity=identity)
    sync_identity(identity)  # searchable in the directory, as the real account creation does
    return account


def make_structure(name: str = "Coordination REPAP", delegates: tuple[Account, ...] = ()) -> Identity:
    structure = Identity.create(kind="structure", display_name=name, structure_type="coordination",
                                mssante_eligible=True)
    for account in delegates:
        Delegation.create(delegate=account, principal=structure)
    sync_identity(structure)
    return structure


def make_patient(first: str = "Cecilia", birth_name: str = "REPAP TEST", sex: str = "F", *,
                 birth_date: dt.date = dt.date(1901, 3, 27), used_name: str = "", ins: str | None = None,
                 birthplace_code: str = "") -> Patient:
    """A patient; given an INS, a qualified identity (only those carry one) with the INS-NIR OID."""
    return Patient.create(birth_name=birth_name, used_name=used_name, first_names=first, birth_date=birth_date,
                          sex=sex, birthplace_code=birthplace_code, ins=ins, qualified=ins is not None,
                          ins_oid="1.2.250.1.213.1.4.8" if ins else None)


def bearer(account: Account) -> dict[str, str]:
    _, token = create_token(account, "tests")
    return {"Authorization": f"Bearer {token}"}
