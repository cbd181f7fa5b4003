"""A minimal DPI connector, to copy: « Envoyer vers mon logiciel » drops the document into the import folder
that many practice softwares watch (a PDF and a small JSON file naming the patient).

What a connector does, in four hooks:
- ``register_connectors``: one ``Connector`` per configured instance, with its targets and structures;
- ``integrate``: check what the software needs (a patient), enqueue a job in the kernel's transaction, answer
  a pending receipt (never do the work here: the job is written with the push's record, or not at all);
- ``register_jobs``: the job does the work and tells the kernel what happened with ``report_integration``
  (True: integrated, False: refused with a French reason, None: try again later, then raise);
- nothing else: the kernel records every push, audits it, shows it live and offers « Réessayer ».
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from kernel import Connector, IntegrationReceipt, JobType, current_relais, hookimpl, report_integration
from kernel.models import Attachment, Integration, Patient

PLUGIN = "exemple_depot"
CONNECTOR = "exemple_depot.dossier"
JOB = "exemple_depot.deposer"


def settings() -> dict[str, Any]:
    return current_relais().plugin_settings(PLUGIN)


@hookimpl
def register_connectors() -> list[Connector]:
    # Nothing configured, nothing offered: the menus never show a software that cannot receive.
    if not settings().get("dossier"):
        return []
    structures = settings().get("structures") or ()
    if isinstance(structures, str):  # RELAIS_PLUGIN_EXEMPLE_DEPOT__STRUCTURES=690000001,690000002
        structures = [s.strip() for s in structures.split(",") if s.strip()]
    return [Connector(CONNECTOR, settings().get("libelle", "Mon logiciel (dossier d'import)"),
                      targets=("logiciel",), structures=tuple(structures))]


@hookimpl
def integrate(document: Attachment, patient: Patient | None, target: str,
              integration: Integration | None) -> IntegrationReceipt | None:
    if target != CONNECTOR:
        return None  # another connector's push
    if patient is None:
        return IntegrationReceipt(CONNECTOR, False, "Choisissez le patient : le logiciel range les documents par patient.")
    if integration is None:
        return IntegrationReceipt(CONNECTOR, False, "Envoi impossible hors du suivi des envois de la plateforme.")
    current_relais().jobs.enqueue(JOB, {"integration": integration.id})
    return IntegrationReceipt(CONNECTOR, True, "Dépôt en cours dans le dossier du logiciel…", pending=True)


def deposit(payload: dict[str, Any]) -> None:
    """Write the document and its patient file; the file names are the push's id, so a second run (the
    job runner's, or « Réessayer ») rewrites the same files instead of adding a copy."""
    row = Integration.get_or_none(Integration.id == payload["integration"])
    if row is None or row.state != "en_attente":
        return
    folder = Path(settings()["dossier"])
    attachment, patient = Attachment.get_by_id(row.attachment_id), Patient.get_by_id(row.patient_id)
    name = f"relais-{row.id}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with current_relais().attachments.open(attachment) as source:
            _write(folder / f"{name}.pdf", source.read())
        _write(folder / f"{name}.json", json.dumps({
            "ins": patient.ins if patient.qualified else None, "oid": patient.ins_oid if patient.qualified else None,
            "nom": patient.birth_name, "prenoms": patient.first_names, "naissance": patient.birth_date.isoformat(),
            "sexe": patient.sex, "fichier": attachment.filename}, ensure_ascii=False).encode("utf-8"))
    except PermissionError:
        report_integration(row.id, False, "Le dossier d'import du logiciel n'accepte pas l'écriture : prévenez "
                                          "votre administrateur.")
        return
    except OSError:
        report_integration(row.id, None, "Le dossier d'import est indisponible : nouvel essai dans un instant…")
        raise  # the job runner tries again with backoff
    report_integration(row.id, True, "Document déposé dans le dossier du logiciel.", f"{name}.pdf")


def _write(path: Path, data: bytes) -> None:
    # Written aside, then renamed: the software never imports half a file.
    partial = path.with_suffix(path.suffix + ".part")
    partial.write_bytes(data)
    os.replace(partial, path)


def give_up(payload: dict[str, Any], error: str) -> None:
    report_integration(payload["integration"], False, "Le dossier d'import est resté indisponible : réessayez "
                                                      "plus tard ou prévenez votre administrateur.")


@hookimpl
def register_jobs() -> list[JobType]:
    return [JobType(JOB, deposit, max_attempts=5, on_exhausted=give_up)]
