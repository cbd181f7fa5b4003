"""The téléexpertise block of a structure's administration page: its expert profile, as requesters see it."""
from __future__ import annotations

from typing import Any

from flask import url_for

from kernel import StructureSection

from .models import Expert

NAME = "teleexpertise_profile"
TITLE = "Profil d’expert (téléexpertise)"


def structure_sections(structure: Any) -> list[StructureSection]:
    expert = Expert.get_or_none(Expert.identity == structure.id)
    profile_page = url_for("teleexpertise.profile_page")
    if expert is None:
        return [StructureSection(NAME, TITLE, "Cette structure ne reçoit pas de téléexpertises. Un de ses membres "
                                 "peut créer son profil d’expert depuis « Mon profil d’expert ».",
                                 links=(("Mon profil d’expert", profile_page),), order=50)]
    state = "Reçoit des demandes." if expert.accepting else (
        f"Ne reçoit pas de demandes{f' jusqu’au {expert.back_on:%d/%m/%Y}' if expert.back_on else ''}.")
    lines = [state, f"Périmètre : {expert.scope or 'non renseigné'}",
             f"Questions posées aux demandeurs : {len(expert.form or [])}",
             "Ses membres modifient ce profil depuis « Mon profil d’expert », en agissant pour la structure."]
    return [StructureSection(NAME, TITLE, "\n".join(lines),
                             links=(("Ouvrir « Mon profil d’expert »", profile_page),), order=50)]
