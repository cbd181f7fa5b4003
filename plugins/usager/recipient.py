"""USAGER-2: who a matricule reaches, shown as the user types (the screen's "suggestions" field watching "ins")."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from kernel import (Ins, InvalidIns, api_login_required, current_account, known_patient, typing_description,
                    typing_problem)
from kernel.models import Account, Patient

blueprint = Blueprint("usager", __name__, url_prefix="/usager")
TITLE = "Destinataire"


def patient_for(account: Account, ins: Ins) -> Patient | None:
    """The patient with this INS when the account may see them (in its care); an identity is health data, so
    anyone else's patient is not named here."""
    patient = Patient.get_or_none(Patient.ins == str(ins))
    return known_patient(account.id, patient.id) if patient is not None else None


def who(ins: Ins, patient: Patient | None) -> dict[str, Any]:
    decoded = ins.decode(patient.birth_date if patient is not None else None)
    description = decoded.description
    lines = [f"Vous vous apprêtez à écrire à : {description[0].lower()}{description[1:]}.",
             f"Adresse Mon Espace Santé : {ins.mes_address()}"]
    items = []
    if patient is not None:
        # "Marie DUPONT (née DUPONT) née le 12/03/1985": the identity as identity vigilance writes it.
        items.append({"label": patient.display_name, "url": f"/patients/{patient.id}"})
    return {"title": TITLE, "lines": lines, "items": items, "count": len(items)}


@blueprint.get("/destinataire")
@api_login_required
def recipient() -> Any:
    """``?ins=...`` as typed: ``{title, lines, items, errors}``; ``errors`` go to the "ins" field."""
    text = request.args.get("ins", "")
    problem = typing_problem(text)
    if problem:
        return jsonify({"title": TITLE, "lines": [], "items": [], "errors": {"ins": [problem]}})
    try:
        ins = Ins.parse(text)
    except InvalidIns:  # still being typed: what the part typed already says
        so_far = typing_description(text)
        missing = 15 - len("".join(text.split()))
        lines = [f"Vous vous apprêtez à écrire à : {so_far}… (encore {missing} caractère{'s' if missing > 1 else ''} "
                 "à saisir)"] if so_far else []
        return jsonify({"title": TITLE, "lines": lines, "items": []})
    return jsonify(who(ins, patient_for(current_account(), ins)))
