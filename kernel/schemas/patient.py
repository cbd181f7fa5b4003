"""Patient identity payloads."""
from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validates_schema

from . import french as f


class PatientCreateSchema(f.FrenchSchema):
    birth_name = f.String(required=True, validate=[f.length(max_length=100), f.not_blank])
    used_name = f.String(load_default="", validate=f.length(max_length=100))
    first_names = f.String(required=True, validate=[f.length(max_length=200), f.not_blank])
    birth_date = f.Date(required=True)
    sex = f.String(required=True, validate=f.one_of(["F", "M", "I"]))
    birthplace_code = f.String(load_default="", validate=f.length(max_length=5))
    ins = f.String(load_default=None, allow_none=True, validate=f.length(max_length=15))

    @validates_schema
    def _ins_digits(self, data: dict[str, Any], **kwargs: Any) -> None:
        ins = data.get("ins")
        if ins and not (len(ins) == 15 and ins.replace("A", "0").replace("B", "0").isdigit()):
            raise ValidationError("Le matricule INS compte 15 caractères (13 + la clé).", "ins")


class PatientSchema(f.FrenchSchema):
    id = fields.Integer()
    birth_name = fields.String()
    used_name = fields.String()
    first_names = fields.String()
    birth_date = fields.Date()
    sex = fields.String()
    ins = fields.String(allow_none=True)
    qualified = fields.Boolean()
    display_name = fields.String()
