"""Structure payloads of the administration (a hospital department, a coordination team): API, forms, OpenAPI."""
from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate
from stdnum import luhn

from . import french as f
from .pagination import numbered_page
from .accounts import MssanteAddresses

# What the directory shows under a structure's name (kernel/directory/sync.py capitalises it).
STRUCTURE_TYPES = ("service hospitalier", "équipe de coordination", "centre de santé", "maison de santé",
                   "cabinet", "établissement médico-social", "autre")


def finess_problem(value: str) -> str | None:
    """Why ``value`` is not a FINESS number (9 characters, the last a Luhn key), or None. Corsica's numbers
    start with 2A or 2B: only their shape is checked."""
    if len(value) != 9 or not value.isascii() or not (value.isdigit() or (value[:2] in ("2A", "2B")
                                                                             and value[2:].isdigit())):
        return f"Le numéro FINESS « {value} » doit compter 9 caractères : des chiffres (2A ou 2B en tête pour la Corse)."
    if value.isdigit() and not luhn.is_valid(value):
        return f"Le numéro FINESS « {value} » est erroné : sa clé (dernier chiffre) ne correspond pas. Vérifiez-le."
    return None


def _finess(value: str | None) -> None:
    problem = finess_problem(value) if value else None
    if problem:
        raise ValidationError(problem)


class Finess(f.String):
    """A FINESS number: spaces dropped, letters upper-cased (2a → 2A), empty means none."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str | None:
        text = "".join(super()._deserialize(value, attr, data, **kwargs).split()).upper()
        return text or None


class StructureDetailsSchema(f.FrenchSchema):
    """What is changed about a structure (every field optional)."""

    name = f.Line(validate=[f.length(max_length=200), f.not_blank], metadata={"description": "Nom de la structure."})
    structure_type = f.String(validate=f.one_of(list(STRUCTURE_TYPES)),
                              metadata={"description": "Type : " + ", ".join(STRUCTURE_TYPES) + "."})
    finess = Finess(allow_none=True, validate=_finess,
                    metadata={"description": "Numéro FINESS : 9 caractères, le dernier est une clé de contrôle."})
    mssante_addresses = MssanteAddresses(metadata={"description": "Adresses MSSanté de la structure (boîtes "
                                                                  "organisationnelles)."})
    mssante_eligible = f.Boolean(metadata={"description": "Éligible à MSSanté (une boîte organisationnelle l'est)."})


class StructureCreateSchema(StructureDetailsSchema):
    name = f.Line(required=True, validate=[f.length(max_length=200), f.not_blank],
                  metadata={"description": "Nom de la structure."})
    structure_type = f.String(required=True, validate=f.one_of(list(STRUCTURE_TYPES)),
                              metadata={"description": "Type : " + ", ".join(STRUCTURE_TYPES) + "."})
    finess = Finess(load_default=None, allow_none=True, validate=_finess,
                    metadata={"description": "Numéro FINESS : 9 caractères, le dernier est une clé de contrôle."})
    mssante_addresses = MssanteAddresses(load_default=list)
    mssante_eligible = f.Boolean(load_default=True)


class MemberAddSchema(f.FrenchSchema):
    account = f.Integer(required=True, metadata={"description": "Le compte qui pourra agir pour la structure."})


class StructureListQuerySchema(f.FrenchSchema):
    q = f.Line(load_default="", validate=f.length(max_length=200),
               metadata={"description": "Nom, FINESS ou adresse MSSanté."})
    page = f.Integer(load_default=1, validate=validate.Range(min=1, error="Une page commence à 1."))


class StructureMemberSchema(f.FrenchSchema):
    delegation_id = fields.Integer()
    account_id = fields.Integer()
    login = fields.String()
    name = fields.String()
    profession = fields.String()
    active = fields.Boolean()
    granted_at = f.UtcDateTime()


class StructureSummarySchema(f.FrenchSchema):
    id = fields.Integer()
    name = fields.String()
    structure_type = fields.String(allow_none=True)
    finess = fields.String(allow_none=True)
    mssante_addresses = fields.List(fields.String())
    mssante_eligible = fields.Boolean()
    created_at = f.UtcDateTime()


class AdminStructureSchema(StructureSummarySchema):
    members = fields.List(fields.Nested(StructureMemberSchema))


class StructureEnvelopeSchema(f.FrenchSchema):
    structure = fields.Nested(AdminStructureSchema)


class StructureListSchema(numbered_page("structures", StructureSummarySchema)):
    """GET /admin/structures: a page of structures."""


class MemberEnvelopeSchema(f.FrenchSchema):
    member = fields.Nested(StructureMemberSchema)
