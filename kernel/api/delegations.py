"""Delegations: a professional grants, re-scopes and withdraws who may act for them (« Mes délégations »);
administrators see every delegation and withdraw any. Changes go through kernel/services/delegations.py:
audited, effective at once (the delegate's open pages included)."""
from __future__ import annotations

import math
from typing import Any

from flask import jsonify, request
from marshmallow import ValidationError

from ..auth import api_login_required, current_account
from ..models import STRUCTURE, Account, Identity
from ..schemas.delegations import (DelegationEnvelopeSchema, DelegationGrantSchema, DelegationListQuerySchema,
                                   DelegationListSchema, DelegationScopeSchema, MyDelegationsSchema)
from ..services import delegations
from ..services.sending import flatten_errors
from .admin_rights import administrators
from .blueprint import api
from .errors import ApiError, fail, json_body, not_found

PAGE_SIZE = 50
NO_ACCOUNT = "Cette personne n'a pas de compte actif sur la plateforme : choisissez-la dans l'annuaire."
TO_A_STRUCTURE = "On délègue à une personne, pas à une structure : choisissez un professionnel."

# For the OpenAPI document: (path, method, summary, request schema, response schema, success status).
OPENAPI_ROUTES: list[tuple[str, str, str, Any, Any, int]] = [
    ("/delegations", "get", "Mes délégations : qui peut agir en mon nom (given), pour qui je peux agir (held)",
     None, MyDelegationsSchema, 200),
    ("/delegations", "post", "Déléguer : permettre à un professionnel d'agir en mon nom (scope : mail, la "
     "messagerie sécurisée seulement ; all, messagerie et conversations). Effet immédiat, tracé au journal",
     DelegationGrantSchema, DelegationEnvelopeSchema, 201),
    ("/delegations/{id}", "patch", "Changer la portée d'une délégation que j'ai donnée (administrateurs : "
     "toute délégation)", DelegationScopeSchema, DelegationEnvelopeSchema, 200),
    ("/delegations/{id}", "delete", "Retirer une délégation que j'ai donnée (administrateurs : toute "
     "délégation) ; les pages ouvertes du délégué perdent aussitôt ce qu'il ne peut plus voir", None, None, 204),
    ("/admin/delegations", "get", "Administration : toutes les délégations (person : un compte, délégant ou "
     "délégué ; structure : une structure ; q : des noms ; withdrawn : inclure les retirées ; page)", None,
     DelegationListSchema, 200),
]
ADMIN_ROUTES = [("/admin/delegations", "get")]


def _load(schema: Any, data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        fail(400, "Un objet JSON est attendu.")
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise ApiError(422, flatten_errors(exc.messages)) from None


def _envelope(row: Any, status: int = 200) -> Any:
    return jsonify(DelegationEnvelopeSchema().dump({"delegation": delegations.describe(row)})), status


def _managed(delegation_id: int) -> Any:
    """The delegation if the account may change it; others are not found (404), as any hidden thing."""
    row = delegations.one(delegation_id)
    if row is None or row.revoked_at is not None or not delegations.may_manage(current_account(), row):
        not_found()
    return row


@api.get("/delegations")
@api_login_required
def my_delegations() -> Any:
    account = current_account()
    return jsonify(MyDelegationsSchema().dump({
        "given": [delegations.describe(d) for d in delegations.given_by(account.identity_id)],
        "held": [delegations.describe(d) for d in delegations.held_by(account.id)]}))


@api.post("/delegations")
@api_login_required
def grant_delegation() -> Any:
    account = current_account()
    data = _load(DelegationGrantSchema(), json_body())
    delegate = Account.get_or_none((Account.identity == data["delegate"]) & Account.active)
    if delegate is None:
        structure = Identity.select().where((Identity.id == data["delegate"]) & (Identity.kind == STRUCTURE)).exists()
        raise ApiError(422, {"delegate": [TO_A_STRUCTURE if structure else NO_ACCOUNT]})
    try:
        row = delegations.grant(account.identity, delegate, data["scope"], granted_by=account)
    except delegations.DelegationRefused as exc:
        raise ApiError(422, exc.errors) from None
    return _envelope(delegations.one(row.id), 201)


@api.patch("/delegations/<int:delegation_id>")
@api_login_required
def rescope_delegation(delegation_id: int) -> Any:
    row = _managed(delegation_id)
    data = _load(DelegationScopeSchema(), json_body())
    try:
        delegations.change_scope(row, data["scope"], by=current_account())
    except delegations.DelegationRefused as exc:
        raise ApiError(422, exc.errors) from None
    return _envelope(delegations.one(row.id))


@api.delete("/delegations/<int:delegation_id>")
@api_login_required
def withdraw_delegation(delegation_id: int) -> Any:
    row = _managed(delegation_id)
    if not delegations.withdraw(row, by=current_account()):
        not_found()  # withdrawn meanwhile
    return "", 204


@api.get("/admin/delegations")
@administrators
def admin_delegations() -> Any:
    query = _load(DelegationListQuerySchema(), request.args.to_dict())
    page = query.pop("page")
    found = delegations.search(person=query["person"], structure=query["structure"], q=query["q"],
                               include_withdrawn=query["withdrawn"], limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return jsonify(DelegationListSchema().dump({
        "delegations": [delegations.describe(d) for d in found.delegations], "total": found.total, "page": page,
        "pages": max(1, math.ceil(found.total / PAGE_SIZE))}))
