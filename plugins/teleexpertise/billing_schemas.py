"""The billing export's query (TE-8): a period, a professional or a structure, a format."""
from __future__ import annotations

import datetime as dt

from marshmallow import ValidationError, validates_schema

from kernel import schemas as f

MAX_DAYS = 366 * 3  # a period beyond three years is a mistake, not an export


class ActsQuerySchema(f.FrenchSchema):
    start = f.Date(data_key="du", required=True)
    end = f.Date(data_key="au", required=True)
    professional = f.Integer(data_key="professionnel", load_default=None)  # an identity id
    structure = f.Integer(load_default=None)  # an identity id (a structure)

    @validates_schema
    def _period(self, data, **kwargs):  # noqa: ANN001, ANN202 - marshmallow's own hook
        if data["end"] < data["start"]:
            raise ValidationError("La fin de la période précède son début.", "au")
        if data["end"] - data["start"] > dt.timedelta(days=MAX_DAYS):
            raise ValidationError("Choisissez une période de trois ans au plus.", "au")


class LimitQuerySchema(f.FrenchSchema):
    class Meta:
        unknown = "exclude"  # the screen sends every watched field

    expert = f.Integer(load_default=None)  # the expert's identity id, as the screen's expert field holds it
    patient = f.Integer(load_default=None)
