"""The payloads of téléexpertise's own routes (expert profiles, status changes), with French errors."""
from __future__ import annotations

import datetime as dt
import re

from marshmallow import ValidationError, validates_schema

from kernel import schemas as f

from .models import FIELD_TYPES

MAX_FORM_FIELDS = 20
MAX_CHOICES = 30
NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
AM_NUMBER = re.compile(r"^[0-9]{9}$")
PAST_RETURN_DATE = "La date de retour est passée : choisissez une date à venir, ou laissez vide."
AM_NUMBER_MESSAGE = "Le numéro de facturation (AM) compte 9 chiffres, sans espace : vérifiez-le sur votre carte CPS."


def check_am_number(value: str | None) -> None:
    if value and not AM_NUMBER.fullmatch(value):
        raise ValidationError(AM_NUMBER_MESSAGE)


class FormFieldSchema(f.FrenchSchema):
    """One question of an expert's structured form."""

    name = f.Line(load_default=None, allow_none=True, validate=f.length(max_length=40))
    label = f.Line(required=True, validate=[f.length(max_length=120), f.not_blank])
    type = f.String(required=True, validate=f.one_of(list(FIELD_TYPES)))
    required = f.Boolean(load_default=False)
    choices = f.List(f.Line(validate=[f.length(max_length=100), f.not_blank]), max_items=MAX_CHOICES,
                     load_default=list)
    unit = f.Line(load_default="", validate=f.length(max_length=20))
    help = f.Line(load_default="", validate=f.length(max_length=200))

    @validates_schema
    def _choices(self, data, **kwargs):  # noqa: ANN001, ANN202 - marshmallow's hook
        if data.get("name") and not NAME.fullmatch(data["name"]):
            raise ValidationError("Identifiant technique : lettres minuscules, chiffres et _ seulement.", "name")
        if data.get("type") == "choice":
            choices = [c.strip() for c in data.get("choices") or []]
            if len(choices) < 2:
                raise ValidationError("Une question à choix propose au moins deux réponses.", "choices")
            if len(set(choices)) != len(choices):
                raise ValidationError("Deux réponses proposées sont identiques.", "choices")


class ExpertProfileSchema(f.FrenchSchema):
    """What an expert declares (TE-1)."""

    scope = f.String(required=True, validate=[f.length(max_length=2000), f.not_blank])
    prerequisites = f.String(load_default="", validate=f.length(max_length=5000))
    form = f.List(f.Nested(FormFieldSchema), max_items=MAX_FORM_FIELDS, load_default=list)
    accepting = f.Boolean(load_default=True)
    back_on = f.Date(load_default=None, allow_none=True)
    billing_number = f.Line(load_default=None, allow_none=True, validate=check_am_number)

    @validates_schema(skip_on_field_errors=False)
    def _return_date(self, data, **kwargs):  # noqa: ANN001, ANN202 - marshmallow's hook
        # Said with the other fields' errors (a blank scope too), not after them: experts.save_profile checks
        # it again for callers without the schema.
        back_on = data.get("back_on")
        if not data.get("accepting", True) and back_on is not None and back_on < dt.date.today():
            raise ValidationError(PAST_RETURN_DATE, "back_on")


class StatusChangeSchema(f.FrenchSchema):
    """A status change asked through the API (finalisation has its own route)."""

    reason = f.String(load_default="", validate=f.length(max_length=2000))
