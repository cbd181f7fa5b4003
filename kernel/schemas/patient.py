"""Patient identity payloads: what the patient picker sends and receives."""
from __future__ import annotations

import datetime as dt
from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from ..ins import INS_OIDS
from ..models.patient import SEXES
from ..services.patients import UNKNOWN_OID, birth_date_problem, identity_problems
from . import french as f
from .ins import InsField


def _birth_date(value: dt.date) -> None:
    problem = birth_date_problem(value)
    if problem:
        raise ValidationError(problem)


class PatientCreateSchema(f.FrenchSchema):
    birth_name = f.Line(required=True, validate=[f.length(max_length=100), f.not_blank])
    used_name = f.Line(load_default="", allow_none=True, validate=f.length(max_length=100))
    first_names = f.Line(required=True, validate=[f.length(max_length=200), f.not_blank],
                           metadata={"description": "Tous les prénoms de naissance, dans l'ordre, séparés par "
                                                    "des espaces."})
    birth_date = f.Date(required=True, validate=_birth_date)
    sex = f.String(required=True, validate=f.one_of([code for code, _ in SEXES]))
    birthplace_code = f.String(load_default="", allow_none=True, validate=validate.Regexp(
        r"^(?:[0-9]{5}|2[ABab][0-9]{3})?$",
        error="Le lieu de naissance est un code INSEE de 5 caractères : la commune (par exemple 75056), "
              "ou 99 suivi du code du pays (par exemple 99134)."))
    ins = InsField(load_default=None, allow_none=True,
                   metadata={"type": "string", "description": "Matricule INS (NIR ou NIA), 15 caractères."})
    ins_oid = f.String(load_default=None, allow_none=True, validate=validate.OneOf(
        list(INS_OIDS), error=UNKNOWN_OID))
    qualified = f.Boolean(load_default=False)

    @validates_schema(skip_on_field_errors=False)
    def _identity_rules(self, data: dict[str, Any], **kwargs: Any) -> None:
        problems = identity_problems(data)
        if problems:
            raise ValidationError(problems)


class PatientTraitsSchema(f.FrenchSchema):
    """The full identity traits that reach a patient outside one's care (``GET /patients``): all four, exact."""

    birth_name = f.Line(required=True, validate=[f.length(max_length=100), f.not_blank])
    first_names = f.Line(required=True, validate=[f.length(max_length=200), f.not_blank],
                           metadata={"description": "Les prénoms de naissance, ou le premier seul."})
    birth_date = f.Date(required=True)
    sex = f.String(required=True, validate=f.one_of([code for code, _ in SEXES]))


class PatientSchema(f.FrenchSchema):
    id = fields.Integer()
    birth_name = fields.String()
    used_name = fields.String()
    first_names = fields.String()
    first_name = fields.String()
    birth_date = fields.Date()
    sex = fields.String()
    birthplace_code = fields.String()
    ins = fields.String(allow_none=True)
    ins_oid = fields.String(allow_none=True)
    qualified = fields.Boolean()
    display_name = fields.String(metadata={"example": "Cecilia REPAP TEST (née REPAP TEST) née le 27/03/1901"})
    last_used_at = f.UtcDateTime(allow_none=True, dump_default=None,
                                 metadata={"description": "Dernière utilisation par le compte connecté."})
    homonym = fields.Boolean(dump_default=False, metadata={
        "description": "Un autre patient a le même nom de naissance, premier prénom et date de naissance."})
    exchange_count = fields.Integer(metadata={
        "description": "Avec activity=1 : le nombre d'échanges au sujet du patient que voit le compte connecté."})
    unread_count = fields.Integer(metadata={
        "description": "Avec activity=1 : les messages non lus de ces échanges."})


class PatientListSchema(f.FrenchSchema):
    patients = fields.List(fields.Nested(PatientSchema))
    recent = fields.Boolean(metadata={"description": "Vrai quand la liste est celle des patients récents (q vide)."})


class PatientEnvelopeSchema(f.FrenchSchema):
    patient = fields.Nested(PatientSchema)
