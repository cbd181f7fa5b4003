"""The payloads of finalisation: « Générer » (the ticked messages, the conclusion, the acts' confirmation)."""
from __future__ import annotations

from kernel import schemas as f

from .finalisation import CONCLUSION_MAX, INCIDENT_MAX

MAX_SELECTED = 5000  # a long téléexpertise's thread, ticked whole


class FinaliseSchema(f.FrenchSchema):
    messages = f.List(f.Integer(strict=True), required=True, max_items=MAX_SELECTED)
    conclusion = f.String(required=True, validate=f.length(CONCLUSION_MAX))
    billing_number = f.String(required=True, validate=f.length(20))
    incident = f.String(load_default="", validate=f.length(INCIDENT_MAX))
