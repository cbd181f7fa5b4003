"""Matrix helpers for téléexpertise's request side: the world's structure as an expert (its delegate edits
its profile and answers for it), and a fresh request from the world's member to it."""
from __future__ import annotations

from typing import Any

from plugins.teleexpertise.models import Expert
from security.matrix_teleexpertise_finalisation import teleexpertise
from security.matrix_world import World


def structure_expert(world: World) -> Expert:
    with world.app.app_context():
        return Expert.get_or_none(Expert.identity == world.structure.id) or Expert.create(
            identity=world.structure.id, scope="Avis", form=[])


def expert_id(world: World, role: str) -> dict[str, Any]:
    return {"expert_id": structure_expert(world).id}


def expert_questions(world: World, role: str) -> dict[str, Any]:
    structure_expert(world)
    return {"expert": world.structure.id}


def structure_profile(world: World, role: str) -> dict[str, Any]:
    """The structure's profile: only its delegates may edit it."""
    return {"identity_id": world.structure.id}


def reopen(world: World, role: str) -> dict[str, Any]:
    """A fresh answered request, to reopen: the expert side's move (the requester gets 403)."""
    return {**teleexpertise(world, role), "status": "en_cours"}
