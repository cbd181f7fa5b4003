"""What a message to a patient's Mon Espace Santé needs (USAGER-1): French messages at the field."""
from __future__ import annotations

from typing import Any

from kernel import Ins, InvalidIns
from kernel.mail import human_size, sender_errors, size_errors
from kernel.models import Account, Identity

EMPTY = "Écrivez un message ou joignez un fichier : l'un des deux au moins est nécessaire."
TOO_LARGE = ("Le message dépasse la taille maximale de {limit} acceptée par Mon Espace Santé : retirez des pièces "
             "jointes.")


def ins_errors(text: Any) -> list[str]:
    try:
        Ins.parse(text if isinstance(text, str) else "")
    except InvalidIns as exc:
        return [str(exc)]
    return []


def draft_errors(draft: dict[str, Any], account: Account, acting_as: Identity, new: bool) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if sender := sender_errors(account, acting_as):
        errors["acting_as"] = sender
    if new and (problems := ins_errors(draft.get("ins"))):
        errors["ins"] = problems
    if not (draft.get("body") or "").strip() and not draft.get("attachments"):
        errors["body"] = [EMPTY]
    if size := size_errors(draft, TOO_LARGE):
        errors["attachments"] = size
    return errors
