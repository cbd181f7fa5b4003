"""Accounts as the administration manages them: create, edit, roles, search, and the CSV import.

The API, the admin pages and ``relais user`` all come here, so each rule (a login used once whatever its
case, an RPPS and an address held by one account, a non-eligible profession without a personal address)
is checked in one place, and each change audited once (never a password nor a link's secret).
"""
from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from typing import Any

import peewee as pw

from ..auth.passwords import hash_password
from ..db import write_transaction
from ..directory import sync_identity
from ..models import PERSON, Account, Identity, MailAddress
from ..models.roles import ADMINISTRATOR, DIRECTORY_MANAGER, ROLE_LABELS, roles_of
from ..relais import current_relais
from ..schemas.accounts import NOT_ELIGIBLE_WITH_ADDRESS

PER_PAGE = 25
Errors = dict[str, list[str]]


class AccountRefused(ValueError):
    """What is wrong with an account's details, by field (French sentences): nothing was stored."""

    def __init__(self, errors: Errors) -> None:
        super().__init__(errors)
        self.errors = errors


@dataclass
class AccountPage:
    accounts: list[Account]
    addresses: dict[int, list[str]]  # identity id -> its MSSanté addresses
    total: int
    page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / PER_PAGE))


def addresses_of(identity_ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for row in (MailAddress.select(MailAddress.identity, MailAddress.address)
                .where(MailAddress.identity.in_(identity_ids)).order_by(MailAddress.address)):
        found.setdefault(row.identity_id, []).append(row.address)
    return found


def describe(account: Account, addresses: list[str] | None = None) -> dict[str, Any]:
    """An account as AccountSchema dumps it."""
    if addresses is None:
        addresses = addresses_of([account.identity_id]).get(account.identity_id, [])
    return {"id": account.id, "login": account.login, "first_name": account.first_name,
            "last_name": account.last_name, "full_name": account.full_name, "profession": account.profession,
            "rpps": account.rpps, "mssante_addresses": addresses, "mssante_eligible": account.identity.mssante_eligible,
            "roles": roles_of(account), "active": account.active, "created_at": account.created_at,
            "last_login_at": account.last_login_at}


def search_accounts(q: str = "", state: str = "all", role: str = "", page: int = 1) -> AccountPage:
    """Accounts whose name, login, RPPS or MSSanté address contains ``q`` (any case), by last name."""
    query = Account.select(Account, Identity).join(Identity)
    for word in q.split():
        holders = MailAddress.select(MailAddress.identity).where(MailAddress.address.contains(word))
        query = query.where(Account.first_name.contains(word) | Account.last_name.contains(word)
                            | Account.login.contains(word) | Account.rpps.contains(word)
                            | Account.identity.in_(holders))
    if state in ("active", "inactive"):
        query = query.where(Account.active == (state == "active"))
    if role == ADMINISTRATOR:
        query = query.where(Account.is_admin == True)  # noqa: E712 - peewee builds SQL from ==
    elif role == DIRECTORY_MANAGER:
        query = query.where(Account.directory_manager == True)  # noqa: E712
    total = query.count()
    accounts = list(query.order_by(pw.fn.LOWER(Account.last_name), pw.fn.LOWER(Account.first_name), Account.id)
                    .paginate(page, PER_PAGE))
    return AccountPage(accounts, addresses_of([a.identity_id for a in accounts]), total, page)


def clashes(login: str | None, rpps: str | None, addresses: list[str], account: Account | None) -> Errors:
    """Logins, RPPS numbers and addresses already held by another account (or identity)."""
    errors: Errors = {}
    accounts = Account.select() if account is None else Account.select().where(Account.id != account.id)
    if login is not None:
        # Logins are matched exactly at sign-in; two differing only by case would confuse people.
        taken = accounts.where(pw.fn.LOWER(Account.login) == login.lower()).first()
        if taken is not None:
            errors["login"] = [f"L'identifiant « {taken.login} » est déjà utilisé : choisissez-en un autre."]
    if rpps and accounts.where(Account.rpps == rpps).exists():
        errors["rpps"] = [f"Le numéro RPPS {rpps} appartient déjà à un autre compte."]
    if addresses:
        held = MailAddress.select(MailAddress.address).where(MailAddress.address.in_(addresses))
        if account is not None:
            held = held.where(MailAddress.identity != account.identity_id)
        taken_addresses = [row.address for row in held]
        if taken_addresses:
            errors["mssante_addresses"] = [f"L'adresse « {a} » est déjà attribuée." for a in taken_addresses]
    return errors


def unusable_password() -> str:
    """A hash no password matches: the account signs in only once a password is chosen (one-time link)."""
    return "!" + secrets.token_hex(16)


def create_account(data: dict[str, Any], by: Account | None, password: str | None = None) -> Account:
    """A new active account from AccountCreateSchema's ``data``; without ``password`` it cannot sign in
    until one is chosen through a link. Raises AccountRefused (nothing stored)."""
    errors = clashes(data["login"], data.get("rpps"), data.get("mssante_addresses", []), None)
    if errors:
        raise AccountRefused(errors)
    try:
        with write_transaction():
            identity = Identity.create(kind=PERSON, display_name=f"{data['first_name']} {data['last_name'].upper()}",
                                       mssante_eligible=data.get("mssante_eligible", True))
            for address in data.get("mssante_addresses", []):
                MailAddress.create(identity=identity, address=address)
            account = Account.create(login=data["login"], first_name=data["first_name"], last_name=data["last_name"],
                                     profession=data.get("profession", ""), rpps=data.get("rpps") or None,
                                     identity=identity,
                                     password_hash=hash_password(password) if password else unusable_password())
            sync_identity(identity)  # searchable in the directory at once
            _audit("account.create", by, account, f"login={account.login}")
    except pw.IntegrityError:  # taken by someone else meanwhile
        raise AccountRefused({"_schema": ["L'identifiant, le RPPS ou une adresse vient d'être attribué à un autre "
                                          "compte : vérifiez puis recommencez."]}) from None
    return account


def edit_account(account: Account, data: dict[str, Any], by: Account | None) -> list[str]:
    """Apply AccountDetailsSchema's ``data``; returns the names of the fields that changed."""
    identity = account.identity
    addresses = data.get("mssante_addresses")
    eligible = data.get("mssante_eligible", identity.mssante_eligible)
    current = addresses_of([identity.id]).get(identity.id, [])
    if not eligible and (addresses if addresses is not None else current):
        # Blame what was typed: the addresses if given, else the eligibility unticked under existing ones.
        raise AccountRefused({"mssante_addresses" if addresses is not None else "mssante_eligible":
                              [NOT_ELIGIBLE_WITH_ADDRESS]})
    errors = clashes(None, data.get("rpps"), addresses or [], account)
    if errors:
        raise AccountRefused(errors)
    changed = [name for name in ("first_name", "last_name", "profession", "rpps")
               if name in data and data[name] != getattr(account, name)]
    if "mssante_eligible" in data and data["mssante_eligible"] != identity.mssante_eligible:
        changed.append("mssante_eligible")
    if addresses is not None and sorted(addresses) != sorted(current):
        changed.append("mssante_addresses")
    if not changed:
        return []
    try:
        with write_transaction():
            for name in ("first_name", "last_name", "profession", "rpps"):
                if name in data:
                    setattr(account, name, data[name] if name != "rpps" else data[name] or None)
            account.save(only=[Account.first_name, Account.last_name, Account.profession, Account.rpps])
            identity.display_name = f"{account.first_name} {account.last_name.upper()}"
            identity.mssante_eligible = eligible
            identity.save(only=[Identity.display_name, Identity.mssante_eligible])
            if addresses is not None:
                _replace_addresses(identity, current, addresses)
            sync_identity(identity)
            _audit("account.edit", by, account, "fields=" + ",".join(changed))
    except pw.IntegrityError:
        raise AccountRefused({"_schema": ["Le RPPS ou une adresse vient d'être attribué à un autre compte : "
                                          "vérifiez puis recommencez."]}) from None
    return changed


def _replace_addresses(identity: Identity, current: list[str], wanted: list[str]) -> None:
    gone = [a for a in current if a not in wanted]
    if gone:
        MailAddress.delete().where((MailAddress.identity == identity.id) & MailAddress.address.in_(gone)).execute()
    for address in wanted:
        if address not in current:
            MailAddress.create(identity=identity, address=address)


def set_roles(account: Account, roles: list[str], by: Account | None) -> bool:
    """Give the account exactly ``roles``; False if it already had them. The last active administrator
    keeps the role (the platform would have nobody to manage it)."""
    admin, manager = ADMINISTRATOR in roles, DIRECTORY_MANAGER in roles
    if admin == account.is_admin and manager == account.directory_manager:
        return False
    if account.is_admin and not admin and not (Account.select().where(
            Account.is_admin & Account.active & (Account.id != account.id)).exists()):
        raise AccountRefused({"roles": ["C'est le dernier administrateur actif : nommez-en un autre avant de "
                                        "lui retirer ce rôle."]})
    with write_transaction():
        account.is_admin, account.directory_manager = admin, manager
        account.save(only=[Account.is_admin, Account.directory_manager])
        _audit("account.role", by, account, "roles=" + (",".join(roles_of(account)) or "none"))
    return True


def role_names(account: Account) -> str:
    return ", ".join(ROLE_LABELS[r] for r in roles_of(account))


def _audit(action: str, by: Account | None, account: Account, detail: str) -> None:
    current_relais().audit.record(action, account_id=by.id if by else None, target=f"account:{account.id}",
                                  detail=detail)
