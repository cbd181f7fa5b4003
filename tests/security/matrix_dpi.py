"""Matrix helpers for the integration routes (DPI connectors): a push of the world's document by its member."""
from __future__ import annotations

from typing import Any

from kernel.models import Integration
from security.matrix_world import World


def member_push(world: World, role: str) -> dict[str, Any]:
    """A new failed push of the shared document by the member (a fresh one per cell: a retry changes it)."""
    with world.app.app_context():
        row = Integration.create(attachment=world.attachment_id, patient=world.patient.id, exchange=world.exchange_id,
                                 account=world.accounts["member"].id, target="logiciel", connector="dpi_absent",
                                 state="echec", message="Le logiciel n'a pas répondu.", attempts=1)
    return {"integration_id": row.id}
