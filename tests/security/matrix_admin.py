"""The administration's routes in the authorisation matrix (accounts, structures, one-time password links).

Administrators get every route; an ordinary professional, a delegate, anyone signed in without a role gets
403; visitors 401 on the API and the login page on the pages. Writes are asked with a body the API refuses
(422) or on a fresh account or structure, so that one cell never changes what another reads. Directory
managers, a role the shared world does not hold, are checked route by route in
tests/security/test_admin_directory_manager.py against DIRECTORY_MANAGER below.
"""
from __future__ import annotations

import itertools
from typing import Any

from kernel.models import Account
from kernel.testing import make_account, make_structure
from security.matrix_cells import Expect, admins_only, json, page, public, values
from security.matrix_world import World

_sequence = itertools.count(1)
# A visitor's write outside /api is CSRF-checked first; a deactivated account's ended session lost its secret.
PAGE_WRITE = dict(deactivated=400)


def fresh_account(world: World, role: str) -> dict[str, Any]:
    """A new professional nobody else uses: a cell may deactivate it or give it a link."""
    with world.app.app_context():
        return {"account_id": make_account(f"matrice_admin_cible{next(_sequence)}", "Cible", "Compte").id}


def structure(world: World, role: str) -> dict[str, Any]:
    return {"structure_id": world.structure.id}


def fresh_member(world: World, role: str) -> dict[str, Any]:
    """A new structure with one member, whom the cell removes."""
    with world.app.app_context():
        member = make_account(f"matrice_admin_membre{next(_sequence)}", "Membre", "Retirable")
        found = make_structure(f"Structure retirable {next(_sequence)}", delegates=(member,))
        return {"structure_id": found.id, "account": member.id}


def admin_account(world: World, role: str) -> dict[str, Any]:
    return {"account_id": world.accounts["admin"].id}


ADMIN_ROUTES: dict[str, Expect] = {
    # --- the administration's JSON API (/api/v1/admin) ------------------------------------------------
    "api.admin_list_accounts": admins_only(200, url=values(q="matrice")),
    "api.admin_create_account": admins_only(422, body=json({"login": "un identifiant"})),
    "api.admin_get_account": admins_only(200, url=admin_account),
    "api.admin_edit_account": admins_only(422, url=fresh_account, body=json({"rpps": "10003412871"})),
    "api.admin_set_roles": admins_only(422, url=fresh_account, body=json({"roles": ["chef"]})),
    "api.admin_deactivate_account": admins_only(200, url=fresh_account),
    "api.admin_activate_account": admins_only(200, url=fresh_account),
    "api.admin_password_link": admins_only(201, url=fresh_account),
    "api.admin_import_accounts": admins_only(400),  # no file
    "api.admin_list_structures": admins_only(200, url=values(q="matrice")),
    "api.admin_create_structure": admins_only(422, body=json({"name": "Sans type"})),
    "api.admin_get_structure": admins_only(200, url=structure),
    "api.admin_edit_structure": admins_only(422, url=structure, body=json({"finess": "010780055"})),
    "api.admin_add_member": admins_only(422, url=structure, body=json({"account": 0})),
    "api.admin_remove_member": admins_only(204, url=fresh_member),
    # --- the administration's pages -------------------------------------------------------------------
    "admin.home": page(403, admin=302),
    "admin.accounts": page(403, admin=200),
    "admin.new_account": page(403, admin=200),
    "admin.account": page(403, admin=200, url=admin_account),
    "admin.import_accounts": page(403, admin=200),
    "admin.structures": page(403, admin=200),
    "admin.new_structure": page(403, admin=200),
    "admin.structure": page(403, admin=200, url=structure),
    # --- one-time password links: open to anyone holding one; a made-up one is no longer valid (410) -----
    "password_link.choose": public(410, auth=("session",), page=True, url=values(secret="lien-invente")),
    "password_link.choose_submit": public(410, auth=("session",), page=True, url=values(secret="lien-invente"),
                                          body=lambda w, r: {"data": {"password": "x"}}, **PAGE_WRITE),
}

# What a directory manager gets on each: structures and accounts' details, not roles, state nor passwords.
DIRECTORY_MANAGER: dict[str, int] = {
    "api.admin_list_accounts": 200, "api.admin_create_account": 422, "api.admin_get_account": 200,
    "api.admin_edit_account": 422, "api.admin_set_roles": 403, "api.admin_deactivate_account": 403,
    "api.admin_activate_account": 403, "api.admin_password_link": 403, "api.admin_import_accounts": 403,
    "api.admin_list_structures": 200, "api.admin_create_structure": 422, "api.admin_get_structure": 200,
    "api.admin_edit_structure": 422, "api.admin_add_member": 422, "api.admin_remove_member": 204,
    "admin.home": 302, "admin.accounts": 200, "admin.new_account": 200, "admin.account": 200,
    "admin.import_accounts": 403, "admin.structures": 200, "admin.new_structure": 200, "admin.structure": 200,
    "password_link.choose": 410, "password_link.choose_submit": 410,
}


def directory_manager(world: World) -> Account:
    """The world's directory manager, made once."""
    with world.app.app_context():
        found = Account.get_or_none(Account.login == "matrice_gestion")
        if found is None:
            found = make_account("matrice_gestion", "Gaël", "Gestion")
            found.directory_manager = True
            found.save()
        return found
