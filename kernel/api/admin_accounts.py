"""The administration's account routes: list, create, edit, roles, deactivate, password links, CSV import."""
from __future__ import annotations

from typing import Any

from flask import jsonify, request
from marshmallow import ValidationError

from ..auth import current_account
from ..auth.account_state import deactivate, reactivate
from ..auth.password_reset import LinkRefused, make_link, passwords_on
from ..models import Account, Identity
from ..models.roles import may_manage_accounts
from ..schemas.accounts import (AccountCreateSchema, AccountDetailsSchema, AccountEnvelopeSchema, AccountListQuerySchema,
                                AccountListSchema, AccountRolesSchema, AdminAccountSchema, ImportReportSchema,
                                PasswordLinkSchema)
from ..services.account_import import ImportRefused, import_accounts
from ..services.accounts import AccountRefused, create_account, describe, edit_account, search_accounts, set_roles
from ..services.sending import flatten_errors
from .admin_rights import administrators, managers
from .blueprint import api
from .errors import ApiError, fail, json_body, not_found

MAX_IMPORT_BYTES = 2 * 1024 * 1024

# For the OpenAPI document: (path, method, summary, request schema, response schema, success status).
OPENAPI_ROUTES: list[tuple[str, str, str, Any, Any, int]] = [
    ("/admin/accounts", "get", "Administration : rechercher les comptes (q, state, role, page)", None,
     AccountListSchema, 200),
    ("/admin/accounts", "post", "Administration : créer un compte (renvoie un lien à usage unique pour choisir "
     "le mot de passe)", AccountCreateSchema, AccountEnvelopeSchema, 201),
    ("/admin/accounts/{id}", "get", "Administration : un compte", None, AccountEnvelopeSchema, 200),
    ("/admin/accounts/{id}", "patch", "Administration : modifier un compte (nom, profession, RPPS, adresses, "
     "éligibilité)", AccountDetailsSchema, AccountEnvelopeSchema, 200),
    ("/admin/accounts/{id}/roles", "put", "Administration : les rôles d'un compte (administrateurs)",
     AccountRolesSchema, AccountEnvelopeSchema, 200),
    ("/admin/accounts/{id}/deactivate", "post", "Administration : désactiver un compte (sessions, jetons et "
     "pages ouvertes fermés aussitôt)", None, AccountEnvelopeSchema, 200),
    ("/admin/accounts/{id}/activate", "post", "Administration : réactiver un compte", None, AccountEnvelopeSchema, 200),
    ("/admin/accounts/{id}/password-link", "post", "Administration : un lien à usage unique pour choisir le mot "
     "de passe (les liens précédents cessent de valoir)", None, PasswordLinkSchema, 201),
    ("/admin/accounts/import", "post", "Administration : créer des comptes depuis un fichier CSV (corps text/csv "
     "ou multipart, champ « file ») ; compte rendu ligne par ligne", None, ImportReportSchema, 200),
]


def _account(account_id: int) -> Account:
    account = Account.select(Account, Identity).join(Identity).where(Account.id == account_id).first()
    if account is None:
        not_found()
    return account


def _envelope(account: Account, status: int = 200, **extra: Any) -> Any:
    return jsonify(AccountEnvelopeSchema().dump({"account": describe(account), **extra})), status


def _load(schema: Any) -> dict[str, Any]:
    data = json_body()
    if not isinstance(data, dict):
        fail(400, "Un objet JSON est attendu.")
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise ApiError(422, flatten_errors(exc.messages)) from None


@api.get("/admin/accounts")
@managers
def admin_list_accounts() -> Any:
    try:
        query = AccountListQuerySchema().load(request.args.to_dict())
    except ValidationError as exc:
        raise ApiError(422, flatten_errors(exc.messages)) from None
    found = search_accounts(**query)
    return jsonify(AccountListSchema().dump({
        "accounts": [describe(a, found.addresses.get(a.identity_id, [])) for a in found.accounts],
        "total": found.total, "page": found.page, "pages": found.pages}))


@api.post("/admin/accounts")
@managers
def admin_create_account() -> Any:
    data = _load(AccountCreateSchema())
    try:
        account = create_account(data, current_account())
    except AccountRefused as exc:
        raise ApiError(422, exc.errors) from None
    if not passwords_on() or not may_manage_accounts(current_account()):
        # Pro Santé Connect: no password to choose. A directory manager does not hand out password links:
        # whoever holds one signs in as the account (administrators only, kernel/models/roles.py).
        return _envelope(account, 201)
    link, expires_at = make_link(account, current_account())
    return _envelope(account, 201, password_link=link, password_link_expires_at=expires_at)


@api.get("/admin/accounts/<int:account_id>")
@managers
def admin_get_account(account_id: int) -> Any:
    return _envelope(_account(account_id))


@api.patch("/admin/accounts/<int:account_id>")
@managers
def admin_edit_account(account_id: int) -> Any:
    account = _account(account_id)
    if (account.is_admin or account.directory_manager) and not may_manage_accounts(current_account()):
        # Their addresses and names are how others reach and trust them: an administrator's business.
        fail(403, "Seul un administrateur modifie le compte d'un administrateur ou d'un gestionnaire.")
    data = _load(AccountDetailsSchema())
    try:
        edit_account(account, data, current_account())
    except AccountRefused as exc:
        raise ApiError(422, exc.errors) from None
    return _envelope(_account(account_id))


@api.put("/admin/accounts/<int:account_id>/roles")
@administrators
def admin_set_roles(account_id: int) -> Any:
    account = _account(account_id)
    data = _load(AccountRolesSchema())
    try:
        set_roles(account, data["roles"], current_account())
    except AccountRefused as exc:
        raise ApiError(422, exc.errors) from None
    return _envelope(account)


@api.post("/admin/accounts/<int:account_id>/deactivate")
@administrators
def admin_deactivate_account(account_id: int) -> Any:
    account = _account(account_id)
    if account.id == current_account().id:
        fail(422, "Vous ne pouvez pas désactiver votre propre compte : demandez-le à un autre administrateur.")
    if account.active:
        deactivate(account, current_account())
    return _envelope(account)


@api.post("/admin/accounts/<int:account_id>/activate")
@administrators
def admin_activate_account(account_id: int) -> Any:
    account = _account(account_id)
    if not account.active:
        reactivate(account, current_account())
    return _envelope(account)


@api.post("/admin/accounts/<int:account_id>/password-link")
@administrators
def admin_password_link(account_id: int) -> Any:
    account = _account(account_id)
    if not account.active:
        fail(422, "Ce compte est désactivé : réactivez-le avant de lui donner un lien de mot de passe.")
    try:
        link, expires_at = make_link(account, current_account())
    except LinkRefused as exc:
        fail(422, exc.message)
    return jsonify(PasswordLinkSchema().dump({"link": link, "expires_at": expires_at})), 201


@api.post("/admin/accounts/import")
@administrators
def admin_import_accounts() -> Any:
    upload = request.files.get("file")
    content = upload.read(MAX_IMPORT_BYTES + 1) if upload is not None else request.get_data(cache=False)
    if not content:
        fail(400, "Joignez le fichier CSV des comptes à créer.", "file")
    if len(content) > MAX_IMPORT_BYTES:
        fail(413, "Le fichier dépasse 2 Mo : découpez-le en plusieurs fichiers.", "file")
    try:
        report = import_accounts(content, current_account())
    except ImportRefused as exc:
        fail(422, str(exc), "file")
    created = sum(1 for line in report if line.created)
    return jsonify(ImportReportSchema().dump({
        "created": created, "refused": len(report) - created,
        "lines": [{"line": line.line, "login": line.login, "created": line.created, "account_id": line.account_id,
                   "errors": line.errors} for line in report]}))
