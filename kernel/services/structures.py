"""Structures as the administration manages them (a hospital department, a coordination team): their
details, MSSanté addresses and members.

A structure is an identity of kind ``structure``; its members are the accounts holding a delegation on it
(kernel/services/delegations.py grants and withdraws them, audited, effective at once).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import peewee as pw

from ..db import write_transaction
from ..directory import sync_identity
from ..models import STRUCTURE, Account, Delegation, Identity, MailAddress
from ..relais import current_relais
from .accounts import AccountRefused, addresses_of
from .delegations import SCOPE_ALL, DelegationRefused, grant, withdraw

PER_PAGE = 25
__all__ = ["StructureRefused", "SelfMembershipRefused", "create_structure", "edit_structure", "search_structures",
           "members_of", "add_member", "remove_member", "describe", "structure_or_none"]


class StructureRefused(AccountRefused):
    """What is wrong with a structure's details or a member, by field (French sentences): nothing was stored."""


SELF_MEMBERSHIP = "Vous ne pouvez pas vous ajouter vous-même : demandez à un autre administrateur."


class SelfMembershipRefused(StructureRefused):
    """A manager tried to add themself to a structure: a forbidden act (403), not a bad input."""


@dataclass
class StructurePage:
    structures: list[Identity]
    addresses: dict[int, list[str]]
    total: int
    page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / PER_PAGE))


def structure_or_none(structure_id: int) -> Identity | None:
    return Identity.get_or_none((Identity.id == structure_id) & (Identity.kind == STRUCTURE))


def search_structures(q: str = "", page: int = 1) -> StructurePage:
    query = Identity.select().where(Identity.kind == STRUCTURE)
    for word in q.split():
        holders = MailAddress.select(MailAddress.identity).where(MailAddress.address.contains(word))
        query = query.where(Identity.display_name.contains(word) | Identity.finess.contains(word)
                            | Identity.id.in_(holders))
    total = query.count()
    rows = list(query.order_by(pw.fn.LOWER(Identity.display_name), Identity.id).paginate(page, PER_PAGE))
    return StructurePage(rows, addresses_of([s.id for s in rows]), total, page)


def members_of(structure: Identity) -> list[Delegation]:
    """Delegations in force on the structure, with their accounts, by name."""
    return list(Delegation.select(Delegation, Account).join(Account, on=(Delegation.delegate == Account.id))
                .where((Delegation.principal == structure.id) & Delegation.revoked_at.is_null())
                .order_by(pw.fn.LOWER(Account.last_name), pw.fn.LOWER(Account.first_name)))


def describe_member(row: Delegation) -> dict[str, Any]:
    account = row.delegate
    return {"delegation_id": row.id, "account_id": account.id, "login": account.login, "name": account.full_name,
            "profession": account.profession, "active": account.active, "granted_at": row.granted_at}


def describe(structure: Identity, members: bool = True, addresses: list[str] | None = None) -> dict[str, Any]:
    """A structure as AdminStructureSchema dumps it (``addresses``: already read for a whole list)."""
    if addresses is None:
        addresses = addresses_of([structure.id]).get(structure.id, [])
    found = {"id": structure.id, "name": structure.display_name, "structure_type": structure.structure_type,
             "finess": structure.finess, "mssante_eligible": structure.mssante_eligible,
             "created_at": structure.created_at, "mssante_addresses": addresses}
    if members:
        found["members"] = [describe_member(row) for row in members_of(structure)]
    return found


def _clashes(data: dict[str, Any], structure: Identity | None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    others = Identity.select().where(Identity.kind == STRUCTURE)
    if structure is not None:
        others = others.where(Identity.id != structure.id)
    if data.get("finess") and others.where(Identity.finess == data["finess"]).exists():
        errors["finess"] = [f"Le numéro FINESS {data['finess']} est déjà celui d'une autre structure."]
    addresses = data.get("mssante_addresses") or []
    if addresses:
        held = MailAddress.select(MailAddress.address).where(MailAddress.address.in_(addresses))
        if structure is not None:
            held = held.where(MailAddress.identity != structure.id)
        taken = [row.address for row in held]
        if taken:
            errors["mssante_addresses"] = [f"L'adresse « {a} » est déjà attribuée." for a in taken]
    return errors


NOT_ELIGIBLE = ("Une structure non éligible à MSSanté ne peut pas détenir d'adresse MSSanté : retirez ses "
                "adresses ou cochez l'éligibilité.")


def create_structure(data: dict[str, Any], by: Account | None) -> Identity:
    errors = _clashes(data, None)
    if data.get("mssante_eligible") is False and data.get("mssante_addresses"):
        errors.setdefault("mssante_addresses", []).append(NOT_ELIGIBLE)
    if errors:
        raise StructureRefused(errors)
    with write_transaction():
        structure = Identity.create(kind=STRUCTURE, display_name=data["name"], structure_type=data["structure_type"],
                                    finess=data.get("finess"), mssante_eligible=data.get("mssante_eligible", True))
        for address in data.get("mssante_addresses", []):
            MailAddress.create(identity=structure, address=address)
        sync_identity(structure)
        _audit("structure.create", by, structure, f"name={structure.display_name}")
    return structure


def edit_structure(structure: Identity, data: dict[str, Any], by: Account | None) -> list[str]:
    """Apply StructureDetailsSchema's ``data``; returns the names of the fields that changed."""
    current = addresses_of([structure.id]).get(structure.id, [])
    eligible = data.get("mssante_eligible", structure.mssante_eligible)
    wanted = data.get("mssante_addresses")
    errors = _clashes(data, structure)
    if not eligible and (wanted if wanted is not None else current):
        # Blame what was typed: the addresses if given, else the eligibility unticked under existing ones.
        errors.setdefault("mssante_addresses" if wanted is not None else "mssante_eligible", []).append(NOT_ELIGIBLE)
    if errors:
        raise StructureRefused(errors)
    columns = {"name": "display_name", "structure_type": "structure_type", "finess": "finess",
               "mssante_eligible": "mssante_eligible"}
    changed = [name for name, column in columns.items() if name in data and data[name] != getattr(structure, column)]
    if wanted is not None and sorted(wanted) != sorted(current):
        changed.append("mssante_addresses")
    if not changed:
        return []
    with write_transaction():
        for name, column in columns.items():
            if name in data:
                setattr(structure, column, data[name])
        structure.save(only=[Identity.display_name, Identity.structure_type, Identity.finess, Identity.mssante_eligible])
        if wanted is not None:
            gone = [a for a in current if a not in wanted]
            if gone:
                MailAddress.delete().where((MailAddress.identity == structure.id)
                                           & MailAddress.address.in_(gone)).execute()
            for address in wanted:
                if address not in current:
                    MailAddress.create(identity=structure, address=address)
        sync_identity(structure)
        _audit("structure.edit", by, structure, "fields=" + ",".join(changed))
    return changed


def add_member(structure: Identity, account: Account, by: Account | None) -> Delegation:
    """Let ``account`` act for the structure (mail and conversations), at once.

    A manager never adds themself: someone else must agree that they act for the structure (4-eyes).
    """
    if by is not None and by.id == account.id:
        raise SelfMembershipRefused({"account": [SELF_MEMBERSHIP]})
    try:
        row = grant(structure, account, SCOPE_ALL, by)
    except DelegationRefused as exc:
        raise StructureRefused({"account": [exc.message]}) from None
    _audit("structure.member_add", by, structure, f"account=account:{account.id}")
    return row


def remove_member(structure: Identity, account: Account, by: Account | None) -> bool:
    """The account no longer acts for the structure, nor sees its exchanges (open pages included)."""
    row = Delegation.get_or_none((Delegation.principal == structure.id) & (Delegation.delegate == account.id)
                                 & Delegation.revoked_at.is_null())
    if row is None or not withdraw(row, by):
        return False
    _audit("structure.member_remove", by, structure, f"account=account:{account.id}")
    return True


def _audit(action: str, by: Account | None, structure: Identity, detail: str) -> None:
    current_relais().audit.record(action, account_id=by.id if by else None, acting_as_id=structure.id,
                                  target=f"structure:{structure.id}", detail=detail)
