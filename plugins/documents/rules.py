"""What a document send must satisfy (DOC-1): French messages at the field they concern."""
from __future__ import annotations

import datetime as dt
from typing import Any

from kernel import TARGETS, available_targets, current_relais
from kernel.mail import human_size, recipient_errors, sender_errors
from kernel.models import Account, Attachment, Identity

from .document_types import document_types

DOCUMENTS = "descriptions"  # the fieldset: "type_<attachment id>", "date_<attachment id>"
# The options of DOC-2, each the kernel integration target it pushes to.
OPTIONS = {"share_regional": "dossier_regional", "share_dmp": "dmp", "copy_software": "logiciel"}
OPTION_LABELS = {"share_regional": "Partager dans le dossier régional (Mes Patients)",
                 "share_dmp": "Partager dans le dossier médical partagé (DMP)",
                 "copy_software": "Envoyer une copie vers mon logiciel"}

TOO_MANY = "Un envoi ne peut pas avoir plus de {limit} destinataires : envoyez-le en plusieurs fois."
NOT_PDF = "« {name} » n'est pas un PDF : seuls les documents PDF peuvent être envoyés (imprimez-le en PDF)."
NO_TYPE = "Choisissez le type de ce document."
UNKNOWN_TYPE = "Ce type de document n'existe pas : choisissez-le dans la liste."
NO_DATE = "Indiquez la date de ce document (JJ/MM/AAAA)."
FUTURE_DATE = "La date du document ne peut pas être dans le futur."
OLD_DATE = "La date du document est antérieure à 1900 : vérifiez-la."
NO_OPTION = "Aucun logiciel ne permet cette option pour votre structure."
REPLY_BY_MAIL = "On ne répond pas dans un envoi de documents : répondez par un mail sécurisé."
TOO_LARGE = ("Les documents dépassent la taille maximale d'un envoi ({limit}) : envoyez-les en plusieurs fois.")


def type_key(attachment_id: int) -> str:
    return f"type_{attachment_id}"


def date_key(attachment_id: int) -> str:
    return f"date_{attachment_id}"


def parse_date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def document_errors(draft: dict[str, Any], attachments: list[Attachment]) -> dict[str, list[str]]:
    """Per document: a PDF, a known type, a date neither missing nor in the future."""
    errors: dict[str, list[str]] = {}
    described = draft.get(DOCUMENTS) or {}
    types = document_types()
    today = dt.date.today()
    not_pdf = [NOT_PDF.format(name=a.filename) for a in attachments if a.content_type != "application/pdf"]
    if not_pdf:
        errors["attachments"] = not_pdf
    for attachment in attachments:
        code = described.get(type_key(attachment.id))
        if not code:
            errors[f"{DOCUMENTS}.{type_key(attachment.id)}"] = [NO_TYPE]
        elif str(code) not in types:
            errors[f"{DOCUMENTS}.{type_key(attachment.id)}"] = [UNKNOWN_TYPE]
        raw = described.get(date_key(attachment.id))
        date = parse_date(raw)
        if date is None:
            errors[f"{DOCUMENTS}.{date_key(attachment.id)}"] = [NO_DATE]
        elif date > today:
            errors[f"{DOCUMENTS}.{date_key(attachment.id)}"] = [FUTURE_DATE]
        elif date.year < 1900:
            errors[f"{DOCUMENTS}.{date_key(attachment.id)}"] = [OLD_DATE]
    limit = current_relais().config["mail_max_bytes"]
    # The documents travel twice (as themselves and in the ZIP), base64-encoded.
    if sum(a.size for a in attachments) * 2 * 4 // 3 + 16384 > limit and "attachments" not in errors:
        errors["attachments"] = [TOO_LARGE.format(limit=human_size(limit))]
    return errors


def draft_errors(draft: dict[str, Any], account: Account, acting_as: Identity,
                 new: bool) -> dict[str, list[str]]:
    if not new:
        return {"body": [REPLY_BY_MAIL]}
    errors: dict[str, list[str]] = {}
    if sender := sender_errors(account, acting_as):
        errors["acting_as"] = sender
    if problems := recipient_errors([str(a).strip() for a in draft.get("recipients") or []], TOO_MANY):
        errors["recipients"] = problems
    ids = draft.get("attachments") or []
    attachments = list(Attachment.select().where(Attachment.id.in_(ids)).order_by(Attachment.id)) if ids else []
    errors.update(document_errors(draft, attachments))
    wanted = [name for name in OPTIONS if draft.get(name)]
    if wanted:
        targets = available_targets(account)
        for name in wanted:
            if OPTIONS[name] not in targets:
                errors[name] = [NO_OPTION]
    return errors


assert set(OPTIONS.values()) <= set(TARGETS), "every option pushes to a kernel integration target"
