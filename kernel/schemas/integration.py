"""Payload of a push into hospital software."""
from __future__ import annotations

from . import french as f


class IntegrateSchema(f.FrenchSchema):
    target = f.String(required=True, validate=f.not_blank,
                      metadata={"description": "Nom du connecteur (voir GET /connectors)."})
    patient = f.Integer(load_default=None, allow_none=True)
    exchange = f.Integer(load_default=None, allow_none=True,
                         metadata={"description": "Échange d'où vient le document, s'il en vient d'un."})
