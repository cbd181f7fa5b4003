"""What a message to a patient's Mon Espace Santé needs (USAGER-1): French messages at the field."""
from __future__ import annotations

from typing import Any

from kernel import Ins, InvalidIns, current_relais
from kernel.mail import addresses_of
from kernel.models import Account, Attachment, Identity

NOT_ELIGIBLE = ("Votre profession n'est pas éligible à MSSanté : choisissez dans « Agir en tant que » une messagerie "
                "organisationnelle ou un professionnel qui vous a délégué son envoi.")
IDENTITY_NOT_ELIGIBLE = ("« {name} » n'est pas éligible à MSSanté : choisissez dans « Agir en tant que » une "
                         "messagerie organisationnelle ou un professionnel qui vous a délégué son envoi.")
NO_ADDRESS = ("« {name} » n'a pas d'adresse MSSanté : choisissez dans « Agir en tant que » une identité qui en a une, "
              "ou demandez à votre administrateur d'en enregistrer une.")
EMPTY = "Écrivez un message ou joignez un fichier : l'un des deux au moins est nécessaire."
TOO_LARGE = ("Le message dépasse la taille maximale de {limit} acceptée par Mon Espace Santé : retirez des pièces "
             "jointes.")


def human_size(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} Mo" if size >= 1024 * 1024 else f"{max(size // 1024, 1)} Ko"


def sender_errors(account: Account, acting_as: Identity) -> list[str]:
    """As for secure mail (MAIL-2): the identity one writes as is eligible to MSSanté and holds an address;
    a non-eligible profession writes only for someone who delegated to it."""
    if not acting_as.mssante_eligible:
        return [NOT_ELIGIBLE if acting_as.id == account.identity_id else
                IDENTITY_NOT_ELIGIBLE.format(name=acting_as.display_name)]
    if not addresses_of(acting_as.id):
        return [NO_ADDRESS.format(name=acting_as.display_name)]
    return []


def ins_errors(text: Any) -> list[str]:
    try:
        Ins.parse(text if isinstance(text, str) else "")
    except InvalidIns as exc:
        return [str(exc)]
    return []


def size_errors(draft: dict[str, Any]) -> list[str]:
    """An estimate before building: attachments grow by a third in base64, plus the body twice (text, HTML)."""
    limit = current_relais().config["mail_max_bytes"]
    ids = draft.get("attachments") or []
    total = sum(s for (s,) in Attachment.select(Attachment.size).where(Attachment.id.in_(ids)).tuples()) if ids else 0
    estimate = total * 4 // 3 + 2 * len((draft.get("body") or "").encode()) + 4096
    return [TOO_LARGE.format(limit=human_size(limit))] if estimate > limit else []


def draft_errors(draft: dict[str, Any], account: Account, acting_as: Identity, new: bool) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if sender := sender_errors(account, acting_as):
        errors["acting_as"] = sender
    if new and (problems := ins_errors(draft.get("ins"))):
        errors["ins"] = problems
    if not (draft.get("body") or "").strip() and not draft.get("attachments"):
        errors["body"] = [EMPTY]
    if size := size_errors(draft):
        errors["attachments"] = size
    return errors
