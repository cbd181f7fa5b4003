"""Matrix declarations of téléexpertise's administration routes: a structure's expert profile, edited by
administrators (and directory managers: tests/plugins/teleexpertise/test_admin_structure_profile.py) from the
structure's administration page; 403 for every other account, even the structure's own delegate (who edits
it from « Mon profil d'expert »). The write is asked with a blank scope (422): no cell changes the profile."""
from __future__ import annotations

from typing import Any

from security.matrix_cells import Expect, admins_only, json, page
from security.matrix_world import World

# A write outside /api without a bearer token is CSRF-checked first (400); a deactivated account's ended
# session lost its secret (400), its token is refused (401).
_WRITE = dict(anonymous={"token": 400, "session": 401}, deactivated={"token": 401, "session": 400})


def world_structure(world: World, role: str) -> dict[str, Any]:
    return {"structure_id": world.structure.id}


TE_ADMIN_ROUTES: dict[str, Expect] = {
    "teleexpertise_admin.structure_profile_page": page(403, admin=200, url=world_structure),
    "teleexpertise_admin.structure_profile": admins_only(200, url=world_structure),
    "teleexpertise_admin.save_structure_profile": admins_only(422, url=world_structure, body=json({"scope": " "}),
                                                              **_WRITE),
}
