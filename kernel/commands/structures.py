"""``relais structure``: create, edit and list structures (a hospital department, a coordination team) and their
members, with the administration's rules (kernel/services/structures.py)."""
from __future__ import annotations

from typing import Any

import click
from marshmallow import ValidationError

from ..models import Account, Identity
from ..schemas.structures import STRUCTURE_TYPES, StructureCreateSchema, StructureDetailsSchema
from ..services.sending import flatten_errors
from ..services.structures import (StructureRefused, add_member, create_structure, edit_structure, members_of,
                                   remove_member, search_structures, structure_or_none)
from .common import SUBCOMMAND, Fail, effective_config, open_platform, table

FIELD_LABELS = {"name": "nom", "structure_type": "type", "finess": "FINESS", "mssante_addresses": "adresses MSSanté",
                "mssante_eligible": "éligibilité", "account": "membre", "_schema": ""}


@click.group(subcommand_metavar=SUBCOMMAND)
def structure() -> None:
    """Gérer les structures (services, équipes de coordination) et leurs membres."""


def _refuse(errors: dict[str, list[str]], unchanged: str) -> None:
    if errors:
        lines = [f"  - {FIELD_LABELS.get(f, f) + ' : ' if FIELD_LABELS.get(f, f) else ''}{m[:1].lower() + m[1:]}"
                 for f, messages in errors.items() for m in messages]
        raise Fail(f"{unchanged}.\n" + "\n".join(lines))


def _valid(schema: Any, payload: dict[str, Any], unchanged: str) -> dict[str, Any]:
    try:
        return schema.load(payload)
    except ValidationError as exc:
        _refuse(flatten_errors(exc.messages), unchanged)
    raise AssertionError  # _refuse raised


def _existing(structure_id: int) -> Identity:
    found = structure_or_none(structure_id)
    if found is None:
        raise Fail(f"aucune structure n'a le numéro {structure_id} : vérifiez-le avec « relais structure list ».")
    return found


def _account(login: str) -> Account:
    account = Account.get_or_none(Account.login == login.strip())
    if account is None:
        raise Fail(f"aucun compte n'a l'identifiant « {login} » : vérifiez-le avec « relais user list ».")
    return account


TYPE_HELP = "Type : " + ", ".join(f"« {t} »" for t in STRUCTURE_TYPES) + "."


@structure.command("create")
@click.option("--name", required=True, metavar="NOM", help="Nom de la structure.")
@click.option("--type", "structure_type", required=True, metavar="TYPE", help=TYPE_HELP)
@click.option("--finess", metavar="NUMÉRO", help="Numéro FINESS (9 caractères, le dernier est une clé).")
@click.option("--mssante-address", "addresses", multiple=True, metavar="ADRESSE",
              help="Adresse MSSanté de la structure ; répétez l'option pour plusieurs adresses.")
@click.option("--eligible/--not-eligible", default=True, show_default=True, help="Éligible à MSSanté.")
def structure_create(name: str, structure_type: str, finess: str | None, addresses: tuple[str, ...],
                     eligible: bool) -> None:
    """Créer une structure."""
    unchanged = "la structure n'est pas créée"
    payload = {"name": name.strip(), "structure_type": structure_type.strip(), "mssante_addresses": list(addresses),
               "mssante_eligible": eligible, **({"finess": finess} if finess is not None else {})}
    data = _valid(StructureCreateSchema(), payload, unchanged)
    config = effective_config(quiet=True)
    with open_platform(config, require_current=True):
        try:
            found = create_structure(data, None)
        except StructureRefused as exc:
            _refuse(exc.errors, unchanged)
    click.echo(f"Structure n° {found.id} « {found.display_name} » créée.")


@structure.command("edit")
@click.option("--id", "structure_id", required=True, type=int, metavar="NUMÉRO", help="Numéro de la structure.")
@click.option("--name", metavar="NOM", help="Nom.")
@click.option("--type", "structure_type", metavar="TYPE", help=TYPE_HELP)
@click.option("--finess", metavar="NUMÉRO", help="Numéro FINESS ; une valeur vide le retire.")
@click.option("--mssante-address", "addresses", multiple=True, metavar="ADRESSE",
              help="Adresses MSSanté : remplacent toutes celles de la structure ; répétez l'option.")
@click.option("--eligible/--not-eligible", default=None, help="Éligible à MSSanté.")
def structure_edit(structure_id: int, name: str | None, structure_type: str | None, finess: str | None,
                   addresses: tuple[str, ...], eligible: bool | None) -> None:
    """Modifier une structure."""
    unchanged = "la structure n'est pas modifiée"
    payload: dict[str, Any] = {k: v.strip() for k, v in (("name", name), ("structure_type", structure_type))
                               if v is not None}
    if finess is not None:
        payload["finess"] = finess
    if addresses:
        payload["mssante_addresses"] = list(addresses)
    if eligible is not None:
        payload["mssante_eligible"] = eligible
    if not payload:
        raise Fail("rien à modifier : donnez au moins une option (--name, --finess…).")
    data = _valid(StructureDetailsSchema(), payload, unchanged)
    config = effective_config(quiet=True)
    with open_platform(config, require_current=True):
        found = _existing(structure_id)
        try:
            changed = edit_structure(found, data, None)
        except StructureRefused as exc:
            _refuse(exc.errors, unchanged)
    click.echo(f"Structure « {found.display_name} » modifiée : " + ", ".join(FIELD_LABELS[c] for c in changed) + "."
               if changed else f"Rien n'a changé pour « {found.display_name} ».")


@structure.command("list")
@click.option("--search", default="", metavar="TEXTE", help="Nom, FINESS ou adresse MSSanté.")
@click.option("--page", default=1, type=click.IntRange(min=1), metavar="N", show_default=True, help="Page (25 par page).")
def structure_list(search: str, page: int) -> None:
    """Lister les structures et leurs membres."""
    config = effective_config(quiet=True)
    with open_platform(config, require_current=True):
        found = search_structures(search.strip(), page)
        rows = [(s.id, s.display_name, s.structure_type or "", s.finess or "", ", ".join(found.addresses.get(s.id, [])),
                 ", ".join(row.delegate.login for row in members_of(s))) for s in found.structures]
    if not rows:
        click.echo("Aucune structure. Créez-en une avec « relais structure create »." if not search
                   else "Aucune structure ne correspond.")
        return
    click.echo(table(("N°", "Nom", "Type", "FINESS", "Adresses", "Membres"), rows))
    if found.pages > 1:
        click.echo(f"Page {found.page} sur {found.pages} : --page pour la suite.")


@structure.group("member", subcommand_metavar=SUBCOMMAND)
def member() -> None:
    """Ajouter ou retirer un membre (il agit pour la structure et voit ses échanges)."""


@member.command("add")
@click.option("--id", "structure_id", required=True, type=int, metavar="NUMÉRO", help="Numéro de la structure.")
@click.option("--login", required=True, metavar="IDENTIFIANT", help="Compte qui agira pour la structure.")
def member_add(structure_id: int, login: str) -> None:
    """Permettre à un compte d'agir pour la structure, aussitôt."""
    config = effective_config(quiet=True)
    with open_platform(config, require_current=True):
        found, account = _existing(structure_id), _account(login)
        try:
            add_member(found, account, None)
        except StructureRefused as exc:
            _refuse(exc.errors, "le membre n'est pas ajouté")
    click.echo(f"« {account.login} » agit désormais pour « {found.display_name} ».")


@member.command("remove")
@click.option("--id", "structure_id", required=True, type=int, metavar="NUMÉRO", help="Numéro de la structure.")
@click.option("--login", required=True, metavar="IDENTIFIANT", help="Compte qui n'agira plus pour la structure.")
def member_remove(structure_id: int, login: str) -> None:
    """Retirer un membre : il cesse aussitôt d'agir pour la structure et de voir ses échanges."""
    config = effective_config(quiet=True)
    with open_platform(config, require_current=True):
        found, account = _existing(structure_id), _account(login)
        if not remove_member(found, account, None):
            raise Fail(f"« {account.login} » n'est pas membre de « {found.display_name} ».")
    click.echo(f"« {account.login} » n'agit plus pour « {found.display_name} ».")
