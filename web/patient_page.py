"""The patient page's data: may this user see the patient, and the identity lines it shows."""
from __future__ import annotations

from kernel.models import Patient
from kernel.services.patients import known_patient  # noqa: F401  (the page's access rule is the API's)

SEX = {"F": "Féminin", "M": "Masculin", "I": "Indéterminé"}


def _ins(value: str | None) -> str:
    """An INS grouped as on a carte Vitale: ``2 85 03 77 123 456 78``."""
    if not value or len(value) != 15:
        return value or ""
    return " ".join((value[0], value[1:3], value[3:5], value[5:7], value[7:10], value[10:13], value[13:]))


def patient_identity(patient: Patient) -> list[tuple[str, str]]:
    """The structured identity as (label, value) lines, in the order of the INS identity reference."""
    lines = [("Nom de naissance", patient.birth_name.upper()),
             ("Nom utilisé", (patient.used_name or "").upper()),
             ("Prénom(s)", patient.first_names),
             ("Date de naissance", f"{patient.birth_date:%d/%m/%Y}"),
             ("Sexe", SEX.get(patient.sex, patient.sex)),
             ("Lieu de naissance (code INSEE)", getattr(patient, "birthplace_code", "") or "")]
    if patient.ins:
        status = "identité qualifiée" if patient.qualified else "identité non qualifiée"
        lines.append(("INS", f"{_ins(patient.ins)} ({status})"))
        if patient.ins_oid:
            lines.append(("OID de l'INS", patient.ins_oid))
    else:
        lines.append(("INS", "non renseigné"))
    return [(label, value) for label, value in lines if value]
