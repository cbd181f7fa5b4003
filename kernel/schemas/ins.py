"""INS payloads: the matricule as an input field, and its decoding as the API returns it."""
from __future__ import annotations

import datetime as dt
from typing import Any

from marshmallow import ValidationError, fields

from ..ins import Ins, InvalidIns
from . import french as f


class InsField(fields.Field):
    """A matricule as typed (spaces allowed) loaded as an ``Ins``; blank means none."""

    default_error_messages = {"required": "Ce champ est obligatoire.", "null": "Ce champ est obligatoire.",
                              "invalid": "Saisissez le matricule INS sous forme de texte."}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Ins | None:
        if not isinstance(value, str):
            raise self.make_error("invalid")
        if not value.strip():
            return None
        try:
            return Ins.parse(value)
        except InvalidIns as exc:
            raise ValidationError(str(exc)) from None

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else str(value)


class BirthPlaceSchema(f.FrenchSchema):
    kind = fields.String(metadata={"enum": ["department", "overseas", "abroad", "unknown"]})
    department = fields.String(allow_none=True)
    department_label = fields.String(allow_none=True)
    country_code = fields.String(allow_none=True)
    country = fields.String(allow_none=True)


class InsDecodingSchema(f.FrenchSchema):
    """``GET /api/v1/ins/<ins>``: who the matricule describes (SPEC USAGER-2)."""

    ins = fields.String()
    sex = fields.String(metadata={"enum": ["F", "M"]})
    sex_label = fields.String()
    provisional = fields.Boolean()
    birth_year = fields.Integer()
    birth_month = fields.Integer(allow_none=True)
    birth_month_label = fields.String(allow_none=True)
    birth_place = fields.Nested(BirthPlaceSchema)
    description = fields.String()
    mes_address = fields.String()


def decoding_payload(ins: Ins, birth_date: dt.date | None = None) -> dict[str, Any]:
    decoded = ins.decode(birth_date)
    place = decoded.birth_place
    return InsDecodingSchema().dump({
        "ins": str(ins), "sex": decoded.sex, "sex_label": decoded.sex_label, "provisional": decoded.provisional,
        "birth_year": decoded.birth_year, "birth_month": decoded.birth_month,
        "birth_month_label": decoded.birth_month_label,
        "birth_place": {"kind": place.kind, "department": place.department,
                        "department_label": place.department_label, "country_code": place.country_code,
                        "country": place.country},
        "description": decoded.description, "mes_address": ins.mes_address()})
