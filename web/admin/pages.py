"""The administration's pages: accounts (list, new, one account, CSV import) and structures (list, new, one)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from marshmallow import ValidationError

from kernel.auth import current_account
from kernel.models import Account
from kernel.models.roles import ROLE_LABELS, ROLES, may_manage_accounts, roles_of
from kernel.admin_ui import structure_sections
from kernel.schemas.accounts import AccountCreateSchema, AccountListQuerySchema
from kernel.schemas.structures import STRUCTURE_TYPES, StructureCreateSchema, StructureListQuerySchema
from kernel.services.account_import import HEADERS
from kernel.services.accounts import describe, search_accounts
from kernel.services.structures import describe as describe_structure
from kernel.services.structures import search_structures, structure_or_none

from .access import administrators_page, managers_page

admin_pages = Blueprint("admin", __name__, url_prefix="/admin")
STATES = (("all", "Tous"), ("active", "Actifs"), ("inactive", "Désactivés"))


def helps(schema: Any) -> dict[str, str]:
    """Each field's description in the schema: the help under the form's fields (one description)."""
    return {name: field.metadata.get("description", "") for name, field in schema.fields.items()}


def _query(schema: Any) -> dict[str, Any]:
    try:
        return schema.load(request.args.to_dict())
    except ValidationError:  # a hand-edited address: show the first page of everything
        return schema.load({})


def _page(template: str, **values: Any) -> Any:
    account = current_account()
    return render_template(f"admin/{template}", page="admin", is_admin=may_manage_accounts(account),
                           role_labels=ROLE_LABELS, **values)


@admin_pages.get("/")
@managers_page
def home() -> Any:
    return redirect(url_for("admin.accounts"))


@admin_pages.get("/comptes")
@managers_page
def accounts() -> Any:
    query = _query(AccountListQuerySchema())
    found = search_accounts(**query)
    rows = [describe(a, found.addresses.get(a.identity_id, [])) for a in found.accounts]
    return _page("accounts.html", query=query, found=found, rows=rows, states=STATES, roles=ROLES)


@admin_pages.get("/comptes/nouveau")
@managers_page
def new_account() -> Any:
    return _page("account_new.html", helps=helps(AccountCreateSchema()))


@admin_pages.get("/comptes/<int:account_id>")
@managers_page
def account(account_id: int) -> Any:
    row = Account.get_or_none(Account.id == account_id)
    if row is None:
        abort(404)
    # A directory manager reads an administrator's account but does not change it (the API refuses too).
    editable = may_manage_accounts(current_account()) or not roles_of(row)
    return _page("account.html", shown=describe(row), editable=editable, roles=ROLES,
                 helps=helps(AccountCreateSchema()), is_self=row.id == current_account().id)


@admin_pages.get("/comptes/import")
@administrators_page  # as the API (may_manage_accounts): a directory manager creates accounts one by one
def import_accounts() -> Any:
    return _page("account_import.html", headers=HEADERS)


@admin_pages.get("/structures")
@managers_page
def structures() -> Any:
    query = _query(StructureListQuerySchema())
    found = search_structures(**query)
    rows = [describe_structure(s, members=False, addresses=found.addresses.get(s.id, [])) for s in found.structures]
    return _page("structures.html", query=query, found=found, rows=rows)


@admin_pages.get("/structures/nouvelle")
@managers_page
def new_structure() -> Any:
    return _page("structure_new.html", helps=helps(StructureCreateSchema()), types=STRUCTURE_TYPES)


@admin_pages.get("/structures/<int:structure_id>")
@managers_page
def structure(structure_id: int) -> Any:
    found = structure_or_none(structure_id)
    if found is None:
        abort(404)
    return _page("structure.html", shown=describe_structure(found), helps=helps(StructureCreateSchema()),
                 types=STRUCTURE_TYPES, sections=structure_sections(found, current_account()))
