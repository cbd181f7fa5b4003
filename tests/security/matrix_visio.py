"""World builders for the visio plugin's routes in the authorisation matrix: a call of a fresh conversation."""
from __future__ import annotations

from typing import Any

from security.matrix_world import World


def visio_call(world: World, role: str) -> dict[str, Any]:
    """A call of a new conversation shaped like the shared one, started by its member (one page in it)."""
    exchange_id = world.fresh_chat()
    r = world.client("member", "token").post(f"/visio/api/echanges/{exchange_id}/rejoindre", json={})
    assert r.status_code == 201, r.get_data(as_text=True)
    return {"call_id": r.json["call"]["id"]}
