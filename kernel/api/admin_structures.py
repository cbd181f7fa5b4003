"""The administration's structure routes: list, create, edit, and who may act for each (its members)."""
from __future__ import annotations

from typing import Any

from flask import jsonify, request
from marshmallow import ValidationError

from ..auth import current_account
from ..models import Account, Identity
from ..schemas.structures import (MemberAddSchema, MemberEnvelopeSchema, StructureCreateSchema, StructureDetailsSchema,
                                  StructureEnvelopeSchema, StructureListQuerySchema, StructureListSchema)
from ..services.sending import flatten_errors
from ..services.structures import (SelfMembershipRefused, StructureRefused, add_member, create_structure, describe,
                                   describe_member, edit_structure, remove_member, search_structures, structure_or_none)
from .admin_accounts import _load
from .admin_rights import managers
from .blueprint import api
from .errors import ApiError, not_found

OPENAPI_ROUTES: list[tuple[str, str, str, Any, Any, int]] = [
    ("/admin/structures", "get", "Administration : rechercher les structures (q, page)", None, StructureListSchema, 200),
    ("/admin/structures", "post", "Administration : créer une structure", StructureCreateSchema,
     StructureEnvelopeSchema, 201),
    ("/admin/structures/{id}", "get", "Administration : une structure et ses membres", None,
     StructureEnvelopeSchema, 200),
    ("/admin/structures/{id}", "patch", "Administration : modifier une structure", StructureDetailsSchema,
     StructureEnvelopeSchema, 200),
    ("/admin/structures/{id}/members", "post", "Administration : permettre à un compte d'agir pour la structure "
     "(aussitôt)", MemberAddSchema, MemberEnvelopeSchema, 201),
    ("/admin/structures/{id}/members/{account}", "delete", "Administration : retirer un membre (il cesse aussitôt "
     "d'agir pour la structure et de voir ses échanges)", None, None, 204),
]


def _structure(structure_id: int) -> Identity:
    structure = structure_or_none(structure_id)
    if structure is None:
        not_found()
    return structure


def _envelope(structure: Identity, status: int = 200) -> Any:
    return jsonify(StructureEnvelopeSchema().dump({"structure": describe(structure)})), status


@api.get("/admin/structures")
@managers
def admin_list_structures() -> Any:
    try:
        query = StructureListQuerySchema().load(request.args.to_dict())
    except ValidationError as exc:
        raise ApiError(422, flatten_errors(exc.messages)) from None
    found = search_structures(**query)
    return jsonify(StructureListSchema().dump({
        "structures": [describe(s, members=False, addresses=found.addresses.get(s.id, [])) for s in found.structures],
        "total": found.total, "page": found.page, "pages": found.pages}))


@api.post("/admin/structures")
@managers
def admin_create_structure() -> Any:
    data = _load(StructureCreateSchema())
    try:
        structure = create_structure(data, current_account())
    except StructureRefused as exc:
        raise ApiError(422, exc.errors) from None
    return _envelope(structure, 201)


@api.get("/admin/structures/<int:structure_id>")
@managers
def admin_get_structure(structure_id: int) -> Any:
    return _envelope(_structure(structure_id))


@api.patch("/admin/structures/<int:structure_id>")
@managers
def admin_edit_structure(structure_id: int) -> Any:
    structure = _structure(structure_id)
    data = _load(StructureDetailsSchema())
    try:
        edit_structure(structure, data, current_account())
    except StructureRefused as exc:
        raise ApiError(422, exc.errors) from None
    return _envelope(structure)


@api.post("/admin/structures/<int:structure_id>/members")
@managers
def admin_add_member(structure_id: int) -> Any:
    structure = _structure(structure_id)
    data = _load(MemberAddSchema())
    account = Account.get_or_none(Account.id == data["account"])
    if account is None:
        raise ApiError(422, {"account": ["Ce compte n'existe pas : choisissez-le dans la liste."]})
    try:
        row = add_member(structure, account, current_account())
    except SelfMembershipRefused as exc:
        raise ApiError(403, exc.errors) from None
    except StructureRefused as exc:
        raise ApiError(422, exc.errors) from None
    row.delegate = account
    return jsonify(MemberEnvelopeSchema().dump({"member": describe_member(row)})), 201


@api.delete("/admin/structures/<int:structure_id>/members/<int:account>")
@managers
def admin_remove_member(structure_id: int, account: int) -> Any:
    structure = _structure(structure_id)
    member = Account.get_or_none(Account.id == account)
    if member is None or not remove_member(structure, member, current_account()):
        not_found()
    return "", 204
