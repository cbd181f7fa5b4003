"""Pushes into hospital software: the payload of a push, and a push as the API and live events show it."""
from __future__ import annotations

from marshmallow import fields

from ..integration import TARGETS
from . import french as f


class IntegrateSchema(f.FrenchSchema):
    target = f.String(required=True, validate=f.not_blank,
                      metadata={"description": "Nom du connecteur (voir GET /connectors)."})
    destination = f.String(load_default=None, allow_none=True, validate=f.one_of(list(TARGETS)),
                           metadata={"description": "logiciel, dossier_regional ou dmp ; par défaut, la "
                                                    "première destination que sert le connecteur."})
    patient = f.Integer(load_default=None, allow_none=True)
    exchange = f.Integer(load_default=None, allow_none=True,
                         metadata={"description": "Échange d'où vient le document, s'il en vient d'un."})


class IntegrationSchema(f.FrenchSchema):
    """One push: where it stands. The same body in API answers and in ``integration.status`` events."""

    class Meta:
        ordered = True

    id = fields.Integer()
    attachment_id = fields.Integer()
    exchange_id = fields.Integer(allow_none=True)
    patient_id = fields.Integer(allow_none=True)
    target = fields.String(metadata={"description": "logiciel, dossier_regional ou dmp"})
    connector = fields.String()
    connector_label = fields.Method("_label")
    state = fields.String(metadata={"description": "en_attente, integre ou echec"})
    message = fields.String()
    reference = fields.String()
    attempts = fields.Integer()
    created_at = f.UtcDateTime()
    updated_at = f.UtcDateTime()
    integrated_at = f.UtcDateTime(allow_none=True)

    def _label(self, row) -> str:  # type: ignore[no-untyped-def]
        from ..relais import current_relais

        connector = current_relais().connectors.get(row.connector)
        return connector.label if connector else row.connector


class ConnectorSchema(f.FrenchSchema):
    class Meta:
        ordered = True

    name = fields.String()
    label = fields.String()
    targets = fields.List(fields.String(), metadata={"description": "logiciel, dossier_regional, dmp"})
