"""Which account a Pro Santé Connect sign-in opens: the one holding the RPPS, else one made or matched from the
national directory (setting ``psc_create_accounts``).

The RPPS comes from the provider's ``SubjectNameID`` (« 8 » + the 11 digits). On a first sign-in:
- an account already holding the RPPS is used as is;
- otherwise the directory's national entry of that RPPS gives names, profession and personal MSSanté
  addresses; an account without RPPS holding one of those addresses is that person's: the RPPS is added to it;
  else an account is created from the entry (``directory``, the default);
- with no entry, ``claims`` creates the account from the provider's claims (names, profession code), others
  refuse: the platform is for the professionals its directory knows.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import peewee as pw

from ..db import database
from ..directory import sync_identity
from ..models import PERSON, Account, Identity, MailAddress
from ..models.directory import FROM_ANNUAIRE, PERSON_ENTRY, DirectoryAddress, DirectoryEntry

CREATE_MODES = ("directory", "claims", "never")
# A password hash no password matches (argon2 refuses it as malformed): the account signs in through PSC only,
# until an administrator or the professional sets a password.
NO_PASSWORD = "!psc"
# Profession codes of the RPPS (nomenclature TRE_G15-ProfessionSante), for an account made from the claims.
PROFESSIONS = {"10": "Médecin", "21": "Pharmacien", "40": "Chirurgien-dentiste", "50": "Sage-femme",
               "60": "Infirmier", "70": "Masseur-kinésithérapeute", "80": "Pédicure-podologue",
               "26": "Audioprothésiste", "28": "Opticien-lunetier", "91": "Orthophoniste", "92": "Orthoptiste",
               "94": "Ergothérapeute", "95": "Diététicien", "96": "Psychomotricien", "98": "Manipulateur ERM"}


class NoAccount(Exception):
    """No account for this RPPS, and none may be made; ``reason`` goes to the audit line."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason


@dataclass(frozen=True)
class Found:
    account: Account
    how: str  # "rpps" (already linked), "address" (matched, RPPS added), "directory" or "claims" (created)


def account_for_rpps(rpps: str, claims: dict[str, Any], mode: str) -> Found:
    """The account of this RPPS, linking or creating it on a first sign-in (see the module's docstring).
    Deactivated accounts are returned too: the caller refuses them, saying why."""
    account = Account.get_or_none(Account.rpps == rpps)
    if account is not None:
        return Found(account, "rpps")
    if mode == "never":
        raise NoAccount(f"Aucun compte de la plateforme ne porte votre numéro RPPS ({rpps}) : demandez à "
                        "l’administrateur de la plateforme de vous en ouvrir un.", "no account for this RPPS")
    entry = DirectoryEntry.get_or_none((DirectoryEntry.national_id == f"8{rpps}")
                                       & (DirectoryEntry.kind == PERSON_ENTRY) & (DirectoryEntry.source == FROM_ANNUAIRE))
    if entry is not None:
        addresses = [a for (a,) in DirectoryAddress.select(DirectoryAddress.address)
                     .where((DirectoryAddress.entry == entry) & DirectoryAddress.active
                            & (DirectoryAddress.bal_type == "PER")).order_by(DirectoryAddress.address).tuples()]
        holder = _holder_of(addresses)
        if holder is not None:
            with database.obj.atomic():
                holder.rpps = rpps
                holder.save(only=[Account.rpps])
                sync_identity(holder.identity_id)  # now linked to its national entry
            return Found(holder, "address")
        return Found(_create(rpps, entry.first_name, entry.last_name, entry.profession, addresses), "directory")
    if mode == "claims":
        first, last = str(claims.get("given_name") or "").strip(), str(claims.get("family_name") or "").strip()
        if first and last:
            return Found(_create(rpps, first, last, _profession(claims), []), "claims")
    raise NoAccount(f"Votre numéro RPPS ({rpps}) ne figure pas dans l’annuaire des professionnels de la "
                    "plateforme : aucun compte ne peut vous être ouvert. Contactez l’administrateur de la "
                    "plateforme.", "RPPS not in the directory")


def _holder_of(addresses: list[str]) -> Account | None:
    """The account without RPPS holding one of these personal addresses: the same professional."""
    if not addresses:
        return None
    return (Account.select().join(Identity).join(MailAddress, on=(MailAddress.identity == Identity.id))
            .where(MailAddress.address.in_(addresses) & Account.rpps.is_null()).first())


def _profession(claims: dict[str, Any]) -> str:
    ref = claims.get("SubjectRefPro")
    exercises = ref.get("exercices") if isinstance(ref, dict) else None
    if isinstance(exercises, list) and exercises and isinstance(exercises[0], dict):
        return PROFESSIONS.get(str(exercises[0].get("codeProfession", "")), "")
    return ""


def _create(rpps: str, first_name: str, last_name: str, profession: str, addresses: list[str]) -> Account:
    """A new account of this professional, holding the directory's personal addresses nobody holds yet."""
    first_name, last_name = first_name[:100] or "?", last_name[:100] or "?"
    with database.obj.atomic():
        try:
            with database.obj.atomic():
                taken = {a for (a,) in MailAddress.select(MailAddress.address)
                         .where(MailAddress.address.in_(addresses)).tuples()} if addresses else set()
                identity = Identity.create(kind=PERSON, display_name=f"{first_name} {last_name.upper()}",
                                           mssante_eligible=True)
                for address in addresses:
                    if address not in taken:
                        MailAddress.create(identity=identity, address=address)
                account = Account.create(login=_free_login(rpps), password_hash=NO_PASSWORD, first_name=first_name,
                                         last_name=last_name, profession=profession[:100], rpps=rpps,
                                         identity=identity)
        except pw.IntegrityError:  # the same professional signing in twice at once: the other one made it
            account = Account.get_or_none(Account.rpps == rpps)
            if account is None:
                raise
            return account
        sync_identity(identity)
    return account


def _free_login(rpps: str) -> str:
    """The national identifier as login (« 8 » + RPPS), unless someone has it already."""
    login = f"8{rpps}"
    if not Account.select().where(pw.fn.LOWER(Account.login) == login).exists():
        return login
    return f"psc-{rpps}"
