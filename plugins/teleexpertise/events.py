"""The live event types téléexpertise publishes (declared with register_event_types, listed in the README)."""
from __future__ import annotations

from kernel import EventType

STATUS = EventType(
    "teleexpertise.status",
    "A téléexpertise was requested, or its status changed (taken on, answered, finalised, refused, cancelled).",
    fields={"request_id": "the request's id", "status": "the new status (demandee, en_cours, repondue, "
            "finalisee, refusee, annulee)", "previous": "the status before, empty for a new request",
            "label": "the new status in French", "expert_identity_id": "the expert's identity id"},
    optional={"reason": "why it was refused or cancelled, when given"},
)
EVENT_TYPES = [STATUS]
