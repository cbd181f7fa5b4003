"""Matrix section of the audit routes for administrators (kernel/api/admin_audit.py, web/admin_audit): only the
platform's administrators search the trail, export it, learn who consulted a patient's exchanges or export a
patient's data; any other account gets 403 (and its pages the French 403 page), a visitor 401 or the login page.
Administering gives no right to patients elsewhere (docs/security.md): these routes are the audited exception."""
from __future__ import annotations

from typing import Any

from security.matrix_cells import admins_only, page, values
from security.matrix_world import World


def other_patient(world: World, role: str) -> dict[str, Any]:
    """A patient who is not the world's: an administrator does read the patient's identity here (the audited
    exception), and the world's words must stay out of what an administrator reads elsewhere. Refused roles
    are refused before the patient is looked at."""
    return {"patient_id": world.foreign_patient()}


def other_patient_query(world: World, role: str) -> dict[str, Any]:
    return {"q": str(world.foreign_patient())}


AUDIT_ROUTES = {
    "api.audit_search_lines": admins_only(200, url=values(action="exchange.consult")),
    "api.audit_choices": admins_only(200),
    "api.audit_export": admins_only(200, url=values(action="login")),
    "api.admin_find_patient": admins_only(200, url=other_patient_query),
    "api.patient_consultations": admins_only(200, url=other_patient),
    "api.patient_export": admins_only(200, url=other_patient),
    "admin_audit.journal": page(403, admin=200),
    "admin_audit.consultations": page(403, admin=200),
}
