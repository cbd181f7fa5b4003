"""Matrix helpers for drafts: a draft of the member's, in a fresh conversation (a fresh one per cell: a
delete removes it)."""
from __future__ import annotations

from typing import Any

from kernel.models import Draft
from security.matrix_world import World


def member_draft(world: World, role: str) -> dict[str, Any]:
    exchange_id = world.fresh_chat()
    with world.app.app_context():
        Draft.create(account=world.accounts["member"].id, screen=f"exchange:{exchange_id}",
                     fields={"body": "Brouillon du membre"}, attachments=[])
    return {"screen": f"exchange:{exchange_id}"}


def shared_chat_screen(world: World, role: str) -> dict[str, Any]:
    return {"screen": f"exchange:{world.exchange_id}"}
