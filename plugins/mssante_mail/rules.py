"""Who may send secure mail to whom (MAIL-1, MAIL-2): French messages at the field. The MSSanté rules themselves
are the kernel's (kernel.mail), shared with every channel that sends MSSanté mail."""
from __future__ import annotations

from typing import Any

from kernel.mail import human_size, recipient_errors, sender_errors, size_errors
from kernel.models import Account, Identity

EMPTY = "Écrivez un message ou joignez un fichier."
TOO_LARGE = ("Le message dépasse la taille maximale de {limit} : retirez des pièces jointes ou envoyez-les en "
             "plusieurs mails.")
TOO_MANY = "Un mail ne peut pas avoir plus de {limit} destinataires : envoyez-le en plusieurs fois."


def draft_errors(draft: dict[str, Any], account: Account, acting_as: Identity, new: bool) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if sender := sender_errors(account, acting_as):
        errors["acting_as"] = sender
    if new:
        for name in ("recipients", "cc"):
            if problems := recipient_errors([a.strip() for a in draft.get(name) or []], TOO_MANY):
                errors[name] = problems
    if not (draft.get("body") or "").strip() and not draft.get("attachments"):
        errors["body"] = [EMPTY]
    if size := size_errors(draft, TOO_LARGE):
        errors["attachments"] = size
    return errors
