"""The téléexpertise block of a structure's administration page: its expert profile, as requesters see it, and
the link to edit it (plugins/teleexpertise/admin_profile.py: administrators and directory managers)."""
from __future__ import annotations

from typing import Any

from flask import url_for

from kernel import StructureSection, may_administer

from .models import Expert

NAME = "teleexpertise_profile"
TITLE = "Profil d’expert (téléexpertise)"


def structure_sections(structure: Any, account: Any) -> list[StructureSection]:
    expert = Expert.get_or_none(Expert.identity == structure.id)
    edit = url_for("teleexpertise_admin.structure_profile_page", structure_id=structure.id)
    links = (("Déclarer la structure experte" if expert is None else "Modifier le profil d’expert", edit),) \
        if may_administer(account) else ()
    if expert is None:
        return [StructureSection(NAME, TITLE, "Cette structure ne reçoit pas de téléexpertises. Déclarez-la experte "
                                 "ici, ou un de ses membres depuis « Mon profil d’expert ».", links=links, order=50)]
    state = "Reçoit des demandes." if expert.accepting else (
        f"Ne reçoit pas de demandes{f' jusqu’au {expert.back_on:%d/%m/%Y}' if expert.back_on else ''}.")
    lines = [state, f"Périmètre : {_short(expert.scope) or 'non renseigné'}",
             f"Prérequis : {_short(expert.prerequisites) or 'aucun'}",
             f"Questions posées aux demandeurs : {len(expert.form or [])}",
             "Ses membres le modifient aussi depuis « Mon profil d’expert », en agissant pour la structure."]
    return [StructureSection(NAME, TITLE, "\n".join(lines), links=links, order=50)]


def _short(text: str, limit: int = 200) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"
