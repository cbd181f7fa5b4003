"""The administration's edit of a structure's expert profile (issue #17, item 2): administrators and directory
managers, who manage structures, open it from the structure's administration page (the block this plugin adds
through ``structure_admin_sections``) and edit what its members edit from « Mon profil d'expert ».

One page and one JSON route pair, under /teleexpertise/admin; the page is drawn by js/profile.js, the same
script as « Mon profil d'expert », told its routes by the page's data attributes. Every change is audited
(``teleexpertise.expert.save``, ``via=administration``, the fields changed).
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for

from kernel import api_login_required, current_account

from . import experts
from .schemas import ExpertProfileSchema
from .views import _errors, _load

blueprint = Blueprint("teleexpertise_admin", __name__, url_prefix="/teleexpertise/admin")
STRUCTURE_PROFILE_PAGE = "teleexpertise.structure_profile"


def _structure(structure_id: int) -> Any:
    try:
        return experts.structure_for_administration(current_account(), structure_id)
    except experts.ProfileRefused as exc:
        abort(_errors(exc.errors, exc.status))


def _answer(structure: Any) -> Any:
    expert = experts.profile_of(structure.id)
    return jsonify(profiles=[{
        "identity": {"id": structure.id, "display_name": structure.display_name, "kind": structure.kind},
        "expert": experts.profile_json(expert, structure, editable=True) if expert else None,
    }])


@blueprint.get("/structures/<int:structure_id>/profil")
def structure_profile_page(structure_id: int) -> Any:
    account = current_account()
    if account is None:
        return redirect(url_for("shell.login", next=request.full_path.rstrip("?")))
    try:
        structure = experts.structure_for_administration(account, structure_id)
    except experts.ProfileRefused as exc:
        if exc.status == 404:
            abort(404)
        return render_template("teleexpertise/refused.html", page="error", title="Accès réservé",
                               message=exc.errors["_schema"][0]), exc.status
    return render_template("teleexpertise/structure_profile.html", page=STRUCTURE_PROFILE_PAGE, structure=structure,
                           api=url_for("teleexpertise_admin.structure_profile", structure_id=structure.id))


@blueprint.get("/api/structures/<int:structure_id>/profil")
@api_login_required
def structure_profile(structure_id: int) -> Any:
    """The structure's profile, in the shape of GET /teleexpertise/api/profils (one entry)."""
    return _answer(_structure(structure_id))


@blueprint.put("/api/structures/<int:structure_id>/profil")
@api_login_required
def save_structure_profile(structure_id: int) -> Any:
    structure = _structure(structure_id)  # refused before the body is read: a 403 says nothing of the form
    data = _load(ExpertProfileSchema())
    try:
        expert = experts.save_structure_profile(current_account(), structure.id, data)
    except experts.ProfileRefused as exc:
        return _errors(exc.errors, exc.status)
    return jsonify(expert=experts.profile_json(expert, structure, editable=True))
