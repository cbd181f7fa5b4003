"""What every MSSanté sending requires, whatever the channel (MAIL-2): an eligible identity that holds an address
writes, to valid addresses held here or published in the national directory, a mail no larger than the relay takes.
The French messages are the channels' own to put at their field; the rules are one."""
from __future__ import annotations

from typing import Any

import peewee as pw

from ..models import Account, Attachment, DirectoryAddress, Identity
from ..relais import current_relais
from .addresses import addresses_of, held_addresses, is_valid, normalize

NOT_ELIGIBLE = ("Votre profession n'est pas éligible à MSSanté : choisissez dans « Agir en tant que » une messagerie "
                "organisationnelle ou un professionnel qui vous a délégué son envoi.")
IDENTITY_NOT_ELIGIBLE = ("« {name} » n'est pas éligible à MSSanté : choisissez dans « Agir en tant que » une "
                         "messagerie organisationnelle ou un professionnel qui vous a délégué son envoi.")
NO_ADDRESS = ("« {name} » n'a pas d'adresse MSSanté : choisissez dans « Agir en tant que » une identité qui en a une, "
              "ou demandez à votre administrateur d'en enregistrer une.")
INVALID = "« {address} » n'est pas une adresse de messagerie valide."
UNPUBLISHED = ("« {address} » n'est pas une adresse MSSanté publiée dans l'annuaire national : vérifiez-la ou "
               "choisissez le destinataire dans l'annuaire.")
MAX_RECIPIENTS = 100  # per field of one sending


def sender_errors(account: Account, acting_as: Identity) -> list[str]:
    """The identity one writes as must be eligible to MSSanté and hold an address; a profession that is not
    eligible writes only for someone who delegated to it (or an organisational mailbox)."""
    if not acting_as.mssante_eligible:
        return [NOT_ELIGIBLE if acting_as.id == account.identity_id else
                IDENTITY_NOT_ELIGIBLE.format(name=acting_as.display_name)]
    if not addresses_of(acting_as.id):
        return [NO_ADDRESS.format(name=acting_as.display_name)]
    return []


def published_addresses(addresses: list[str]) -> set[str]:
    """Those of ``addresses`` (normalised) held by a platform identity or published (active) in the national
    directory."""
    found = held_addresses(addresses)
    rest = sorted({normalize(a) for a in addresses} - found)
    if rest:
        found |= {a.lower() for (a,) in DirectoryAddress.select(DirectoryAddress.address)
                  .where(pw.fn.LOWER(DirectoryAddress.address).in_(rest) & DirectoryAddress.active).tuples()}
    return found


def recipient_errors(addresses: list[str], too_many: str) -> list[str]:
    """One message per address that is not an address, then per valid one neither held here nor published, then
    ``too_many`` (its ``{limit}`` filled) past MAX_RECIPIENTS addresses."""
    errors = [INVALID.format(address=a) for a in addresses if not is_valid(a)]
    valid = [a for a in addresses if is_valid(a)]
    known = published_addresses(valid)
    errors += [UNPUBLISHED.format(address=a) for a in valid if normalize(a) not in known]
    if len(addresses) > MAX_RECIPIENTS:
        errors.append(too_many.format(limit=MAX_RECIPIENTS))
    return errors


def human_size(size: int) -> str:
    """A size in bytes as a French reader reads it: « 25 Mo », « 3 Ko » (never « 0 Ko »)."""
    return f"{size / (1024 * 1024):.0f} Mo" if size >= 1024 * 1024 else f"{max(size // 1024, 1)} Ko"


def size_errors(draft: dict[str, Any], too_large: str) -> list[str]:
    """``too_large`` (its ``{limit}`` filled) when the mail a draft makes would exceed ``mail_max_bytes``.

    An estimate before building: attachments grow by a third in base64, plus the body twice (text, HTML)."""
    limit = current_relais().config["mail_max_bytes"]
    ids = draft.get("attachments") or []
    total = sum(s for (s,) in Attachment.select(Attachment.size).where(Attachment.id.in_(ids)).tuples()) if ids else 0
    estimate = total * 4 // 3 + 2 * len((draft.get("body") or "").encode()) + 4096
    return [too_large.format(limit=human_size(limit))] if estimate > limit else []
