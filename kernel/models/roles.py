"""The platform's roles and what each may do: administrators manage everything, directory managers the
structures and the directory (accounts' details, never their roles, passwords or state).

Two booleans on the account rather than a role table: there are two roles, fixed by the kernel, and every
request asks them (a join per request for a table of two rows would buy nothing).
"""
from __future__ import annotations

from typing import Any

ADMINISTRATOR = "administrator"
DIRECTORY_MANAGER = "directory_manager"
ROLES = (ADMINISTRATOR, DIRECTORY_MANAGER)
ROLE_LABELS = {ADMINISTRATOR: "Administrateur", DIRECTORY_MANAGER: "Gestionnaire de l’annuaire"}


def roles_of(account: Any) -> list[str]:
    """The account's roles, in ROLES order."""
    held = {ADMINISTRATOR: bool(account.is_admin), DIRECTORY_MANAGER: bool(account.directory_manager)}
    return [role for role in ROLES if held[role]]


def may_administer(account: Any) -> bool:
    """Any page of the administration (accounts' details, structures): administrators and directory managers."""
    return account is not None and bool(account.is_admin or account.directory_manager)


def may_manage_accounts(account: Any) -> bool:
    """Roles, passwords, deactivation, bulk import: administrators only."""
    return account is not None and bool(account.is_admin)
