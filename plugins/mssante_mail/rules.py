"""Who may send secure mail to whom (MAIL-1, MAIL-2): French messages at the field."""
from __future__ import annotations

from typing import Any

import peewee as pw

import kernel.models as kernel_models
from kernel import current_relais
from kernel.mail import addresses_of, held_addresses, is_valid, normalize
from kernel.models import Account, Attachment, Identity

NOT_ELIGIBLE = ("Votre profession n'est pas éligible à MSSanté : choisissez dans « Agir en tant que » une messagerie "
                "organisationnelle ou un professionnel qui vous a délégué son envoi.")
IDENTITY_NOT_ELIGIBLE = ("« {name} » n'est pas éligible à MSSanté : choisissez dans « Agir en tant que » une messagerie "
                         "organisationnelle ou un professionnel qui vous a délégué son envoi.")
NO_ADDRESS = ("« {name} » n'a pas d'adresse MSSanté : choisissez dans « Agir en tant que » une identité qui en a une, "
              "ou demandez à votre administrateur d'en enregistrer une.")
INVALID = "« {address} » n'est pas une adresse de messagerie valide."
UNPUBLISHED = ("« {address} » n'est pas une adresse MSSanté publiée dans l'annuaire national : vérifiez-la ou "
               "choisissez le destinataire dans l'annuaire.")
EMPTY = "Écrivez un message ou joignez un fichier."
TOO_LARGE = ("Le message dépasse la taille maximale de {limit} : retirez des pièces jointes ou envoyez-les en "
             "plusieurs mails.")
TOO_MANY = "Un mail ne peut pas avoir plus de {limit} destinataires : envoyez-le en plusieurs fois."
MAX_RECIPIENTS = 100


def human_size(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} Mo" if size >= 1024 * 1024 else f"{max(size // 1024, 1)} Ko"


def sender_errors(account: Account, acting_as: Identity) -> list[str]:
    """MAIL-2: the identity one writes as must be eligible to MSSanté and hold an address."""
    if not acting_as.mssante_eligible:
        return [NOT_ELIGIBLE if acting_as.id == account.identity_id else
                IDENTITY_NOT_ELIGIBLE.format(name=acting_as.display_name)]
    if not addresses_of(acting_as.id):
        return [NO_ADDRESS.format(name=acting_as.display_name)]
    return []


def published(addresses: list[str]) -> set[str]:
    """Addresses held by a platform identity or published (active) in the national directory."""
    found = held_addresses(addresses)
    directory = getattr(kernel_models, "DirectoryAddress", None)  # there once the directory import lands
    rest = sorted({normalize(a) for a in addresses} - found)
    if directory is not None and rest:
        found |= {a.lower() for (a,) in directory.select(directory.address)
                  .where(pw.fn.LOWER(directory.address).in_(rest) & directory.active).tuples()}
    return found


def recipient_errors(addresses: list[str]) -> list[str]:
    errors = [INVALID.format(address=a) for a in addresses if not is_valid(a)]
    valid = [a for a in addresses if is_valid(a)]
    known = published(valid)
    errors += [UNPUBLISHED.format(address=a) for a in valid if normalize(a) not in known]
    return errors


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
    if new:
        for name in ("recipients", "cc"):
            addresses = [a.strip() for a in draft.get(name) or []]
            problems = recipient_errors(addresses)
            if len(addresses) > MAX_RECIPIENTS:
                problems.append(TOO_MANY.format(limit=MAX_RECIPIENTS))
            if problems:
                errors[name] = problems
    if not (draft.get("body") or "").strip() and not draft.get("attachments"):
        errors["body"] = [EMPTY]
    if size := size_errors(draft):
        errors["attachments"] = size
    return errors
