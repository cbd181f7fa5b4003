"""``relais user``: create, edit, list and import the professionals' accounts, their roles, passwords (one-time
links) and state. The rules are the administration's own (kernel/services/accounts.py, kernel/schemas/accounts.py)."""
from __future__ import annotations

import sys
from typing import Any

import click
from marshmallow import ValidationError

from ..auth.account_state import deactivate, reactivate, set_password
from ..auth.password_reset import LinkRefused, make_link
from ..models import Account, Identity, MailAddress
from ..models.roles import ADMINISTRATOR, DIRECTORY_MANAGER, ROLES
from ..schemas.accounts import MIN_PASSWORD_LENGTH, AccountCreateSchema, AccountDetailsSchema
from ..services.account_import import ImportRefused, import_accounts
from ..services.accounts import AccountRefused, clashes, create_account, edit_account, role_names, search_accounts, set_roles
from ..services.sending import flatten_errors
from .common import SUBCOMMAND, Fail, effective_config, open_platform, table


@click.group(subcommand_metavar=SUBCOMMAND)
def user() -> None:
    """Gérer les comptes des professionnels."""


FIELD_LABELS = {"login": "identifiant", "first_name": "prénom", "last_name": "nom", "profession": "profession",
                "rpps": "RPPS", "mssante_addresses": "adresses MSSanté", "mssante_eligible": "éligibilité",
                "roles": "rôles", "_schema": ""}


@user.command("create")
@click.option("--login", required=True, metavar="IDENTIFIANT",
              help="Identifiant de connexion (lettres, chiffres, . _ - @).")
@click.option("--first-name", required=True, metavar="PRÉNOM", help="Prénom.")
@click.option("--last-name", required=True, metavar="NOM", help="Nom.")
@click.option("--profession", default="", metavar="PROFESSION", help="Profession, par exemple « Médecin généraliste ».")
@click.option("--rpps", metavar="NUMÉRO", help="Numéro RPPS (11 chiffres, le dernier est une clé de contrôle).")
@click.option("--mssante-address", "addresses", multiple=True, metavar="ADRESSE",
              help="Adresse MSSanté du professionnel ; répétez l'option pour plusieurs adresses.")
@click.option("--eligible/--not-eligible", default=True, show_default=True,
              help="Profession éligible à MSSanté (sinon le compte écrit seulement par délégation).")
@click.option("--admin", is_flag=True, help="Administrateur de la plateforme.")
@click.option("--password-stdin", is_flag=True, help="Lire le mot de passe sur l'entrée standard (une ligne).")
@click.option("--no-password", is_flag=True,
              help="Créer le compte sans mot de passe et afficher un lien à usage unique pour le choisir.")
def user_create(login: str, first_name: str, last_name: str, profession: str, rpps: str | None,
                addresses: tuple[str, ...], eligible: bool, admin: bool, password_stdin: bool, no_password: bool) -> None:
    """Créer un compte."""
    data = _valid(AccountCreateSchema(), {"login": login.strip(), "first_name": first_name.strip(),
                                          "last_name": last_name.strip(), "profession": profession.strip(),
                                          "rpps": rpps, "mssante_addresses": list(addresses),
                                          "mssante_eligible": eligible}, "le compte n'est pas créé")
    config = effective_config(quiet=True)
    with open_platform(config, require_current=True):
        # Checked before asking for the password, so nobody types one for nothing.
        _refuse(clashes(data["login"], data["rpps"], data["mssante_addresses"], None), "le compte n'est pas créé")
        password = None if no_password else _read_password(password_stdin)
        try:
            account = create_account(data, None, password)
        except AccountRefused as exc:  # created by someone else meanwhile
            _refuse(exc.errors, "le compte n'est pas créé")
        if admin:
            set_roles(account, [ADMINISTRATOR], None)
        link = make_link(account, None) if no_password and config["password_login"] else None
    kind = "Compte administrateur" if admin else "Compte"
    click.echo(f"{kind} « {account.login} » créé pour {account.full_name}"
               f"{f', {account.profession}' if account.profession else ''}.")
    for address in data["mssante_addresses"]:
        click.echo(f"  Adresse MSSanté : {address}")
    if link:
        click.echo(f"Lien pour choisir le mot de passe (une fois, jusqu'au {_when(link[1])}) : {link[0]}")


def _valid(schema: Any, payload: dict[str, Any], unchanged: str) -> dict[str, Any]:
    if payload.get("rpps") is not None and not payload["rpps"].strip():
        _refuse({"rpps": ["Le numéro RPPS « » doit compter exactement 11 chiffres."]}, unchanged)
    try:
        return schema.load({k: v for k, v in payload.items() if v is not None or k == "rpps"})
    except ValidationError as exc:
        _refuse(flatten_errors(exc.messages), unchanged)
    raise AssertionError  # _refuse raised


def _refuse(errors: dict[str, list[str]], unchanged: str = "le compte n'est pas créé") -> None:
    if errors:
        lines = [f"  - {FIELD_LABELS.get(field, field) + ' : ' if FIELD_LABELS.get(field, field) else ''}"
                 f"{m[:1].lower() + m[1:]}" for field, messages in errors.items() for m in messages]
        raise Fail(f"{unchanged}.\n" + "\n".join(lines))


def _when(moment: Any) -> str:
    return moment.strftime("%d/%m/%Y à %H:%M UTC")


def _read_password(from_stdin: bool, unchanged: str = "le compte n'est pas créé") -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise Fail("aucun mot de passe reçu sur l'entrée standard.")
    else:
        password = click.prompt("Mot de passe", hide_input=True)
        if click.prompt("Confirmez le mot de passe", hide_input=True) != password:
            raise Fail(f"les deux mots de passe saisis diffèrent : {unchanged}.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Fail(f"le mot de passe doit compter au moins {MIN_PASSWORD_LENGTH} caractères.")
    return password


@user.command("list")
@click.option("--search", default="", metavar="TEXTE", help="Nom, identifiant, RPPS ou adresse MSSanté.")
@click.option("--state", type=click.Choice(["all", "active", "inactive"]), default="all", show_default=True,
              help="Comptes actifs, désactivés, ou tous.")
@click.option("--role", type=click.Choice(list(ROLES)), help="Seulement les comptes ayant ce rôle.")
@click.option("--page", default=1, type=click.IntRange(min=1), metavar="N", show_default=True, help="Page (25 comptes par page).")
def user_list(search: str, state: str, role: str | None, page: int) -> None:
    """Lister les comptes (25 par page)."""
    config = effective_config(quiet=True)
    with open_platform(config, require_current=True):
        found = search_accounts(search.strip(), state, role or "", page)
    if not found.total:
        click.echo("Aucun compte ne correspond." if search or state != "all" or role else
                   "Aucun compte. Créez-en un avec « relais user create ».")
        return
    rows = [(a.login, a.full_name, a.profession, a.rpps or "", "oui" if a.identity.mssante_eligible else "non",
             ", ".join(found.addresses.get(a.identity_id, [])), role_names(a),
             "" if a.active else "désactivé") for a in found.accounts]
    click.echo(table(("Identifiant", "Nom", "Profession", "RPPS", "MSSanté", "Adresses", "Rôles", "État"), rows))
    if found.pages > 1:
        click.echo(f"Page {found.page} sur {found.pages} ({found.total} comptes) : --page pour la suite.")


@user.command("edit")
@click.option("--login", required=True, metavar="IDENTIFIANT", help="Compte à modifier.")
@click.option("--first-name", metavar="PRÉNOM", help="Prénom.")
@click.option("--last-name", metavar="NOM", help="Nom.")
@click.option("--profession", metavar="PROFESSION", help="Profession.")
@click.option("--rpps", metavar="NUMÉRO", help="Numéro RPPS ; une valeur vide le retire.")
@click.option("--mssante-address", "addresses", multiple=True, metavar="ADRESSE",
              help="Adresses MSSanté : remplacent toutes les adresses du compte ; répétez l'option.")
@click.option("--no-address", is_flag=True, help="Retirer toutes les adresses MSSanté du compte.")
@click.option("--eligible/--not-eligible", default=None, help="Profession éligible à MSSanté.")
def user_edit(login: str, first_name: str | None, last_name: str | None, profession: str | None, rpps: str | None,
              addresses: tuple[str, ...], no_address: bool, eligible: bool | None) -> None:
    """Modifier un compte : nom, profession, RPPS, adresses MSSanté, éligibilité."""
    payload: dict[str, Any] = {k: v.strip() for k, v in (("first_name", first_name), ("last_name", last_name),
                                                         ("profession", profession)) if v is not None}
    if rpps is not None:
        payload["rpps"] = rpps
    if addresses or no_address:
        payload["mssante_addresses"] = [] if no_address else list(addresses)
    if eligible is not None:
        payload["mssante_eligible"] = eligible
    if not payload:
        raise Fail("rien à modifier : donnez au moins une option (--first-name, --profession, --rpps…).")
    unchanged = "le compte n'est pas modifié"
    data = _valid(AccountDetailsSchema(), payload, unchanged) if payload.get("rpps") != "" else \
        {**_valid(AccountDetailsSchema(), {k: v for k, v in payload.items() if k != "rpps"}, unchanged), "rpps": None}
    config = effective_config(quiet=True)
    with open_platform(config, require_current=True):
        account = _existing(login)
        try:
            changed = edit_account(account, data, None)
        except AccountRefused as exc:
            _refuse(exc.errors, unchanged)
    if not changed:
        click.echo(f"Rien n'a changé pour « {account.login} ».")
    else:
        click.echo(f"Compte « {account.login} » modifié : " + ", ".join(FIELD_LABELS[c] for c in changed) + ".")


@user.command("role")
@click.option("--login", required=True, metavar="IDENTIFIANT", help="Compte dont les rôles changent.")
@click.option("--admin/--no-admin", default=None, help="Administrateur de la plateforme.")
@click.option("--directory-manager/--no-directory-manager", default=None,
              help="Gestionnaire de l'annuaire (structures, comptes des professionnels ; pas les rôles).")
def user_role(login: str, admin: bool | None, directory_manager: bool | None) -> None:
    """Donner ou retirer les rôles d'administrateur et de gestionnaire de l'annuaire."""
    if admin is None and directory_manager is None:
        raise Fail("précisez --admin, --no-admin, --directory-manager ou --no-directory-manager.")
    config = effective_config(quiet=True)
    with open_platform(config, require_current=True):
        account = _existing(login)
        wanted = {ADMINISTRATOR: account.is_admin if admin is None else admin,
                  DIRECTORY_MANAGER: account.directory_manager if directory_manager is None else directory_manager}
        try:
            changed = set_roles(account, [r for r in ROLES if wanted[r]], None)
        except AccountRefused as exc:
            _refuse(exc.errors, "les rôles ne changent pas")
    names = role_names(account) or "aucun"
    click.echo(f"Rôles de « {account.login} » : {names}." if changed else
               f"Les rôles de « {account.login} » étaient déjà : {names}.")


@user.command("reset-link")
@click.option("--login", required=True, metavar="IDENTIFIANT", help="Compte dont le titulaire choisira un mot de passe.")
def user_reset_link(login: str) -> None:
    """Créer un lien à usage unique pour choisir un nouveau mot de passe (les liens précédents cessent de valoir)."""
    config = effective_config(quiet=True)
    with open_platform(config, require_current=True):
        account = _existing(login)
        if not account.active:
            raise Fail(f"le compte « {account.login} » est désactivé : réactivez-le d'abord (relais user activate).")
        try:
            link, expires_at = make_link(account, None)
        except LinkRefused as exc:
            raise Fail(exc.message[:1].lower() + exc.message[1:]) from None
    click.echo(f"Lien pour « {account.login} », valable une fois jusqu'au {_when(expires_at)} :")
    click.echo(link)


@user.command("import")
@click.argument("csv_file", metavar="FICHIER", type=click.Path(exists=True, dir_okay=False))
def user_import(csv_file: str) -> None:
    """Créer des comptes depuis un fichier CSV (UTF-8 ; colonnes identifiant, prénom, nom, profession, rpps,
    adresses mssanté, éligible mssanté) ; chaque ligne est créée entière ou refusée avec ses raisons."""
    with open(csv_file, "rb") as handle:
        content = handle.read()
    config = effective_config(quiet=True)
    with open_platform(config, require_current=True):
        try:
            report = import_accounts(content, None)
        except ImportRefused as exc:
            raise Fail(str(exc)[:1].lower() + str(exc)[1:]) from None
    created = sum(1 for line in report if line.created)
    for line in report:
        if line.created:
            click.echo(f"Ligne {line.line} : compte « {line.login} » créé.")
        else:
            for column, messages in line.errors.items():
                for message in messages:
                    click.echo(f"Ligne {line.line}, colonne « {column} » : {message}", err=True)
    click.echo(f"{created} compte(s) créé(s), {len(report) - created} ligne(s) refusée(s). Donnez à chacun un lien "
               "pour choisir son mot de passe : relais user reset-link --login IDENTIFIANT.")
    if created < len(report):
        sys.exit(1)


def _existing(login: str) -> Account:
    account = Account.get_or_none(Account.login == login.strip())
    if account is None:
        raise Fail(f"aucun compte n'a l'identifiant « {login} » : vérifiez-le avec « relais user list ».")
    return account


@user.command("password")
@click.option("--login", required=True, metavar="IDENTIFIANT", help="Compte dont le mot de passe change.")
@click.option("--password-stdin", is_flag=True, help="Lire le mot de passe sur l'entrée standard (une ligne).")
def user_password(login: str, password_stdin: bool) -> None:
    """Changer le mot de passe d'un compte ; ses sessions de navigateur sont fermées."""
    config = effective_config(quiet=True)
    if not config["password_login"]:
        raise Fail("la connexion par mot de passe est désactivée sur cette plateforme (réglage password_login) : "
                   "les professionnels se connectent avec Pro Santé Connect ; aucun mot de passe n'est changé.")
    with open_platform(config, require_current=True):
        account = _existing(login)
        password = _read_password(password_stdin, unchanged="le mot de passe n'est pas changé")
        ended = set_password(account, password)
    click.echo(f"Mot de passe de « {account.login} » changé ; {_sessions(ended)} fermée(s) : "
               "il faudra se reconnecter partout.")


@user.command("deactivate")
@click.option("--login", required=True, metavar="IDENTIFIANT", help="Compte à désactiver.")
def user_deactivate(login: str) -> None:
    """Désactiver un compte : plus de connexion, ses sessions et ses jetons d'accès prennent fin aussitôt."""
    config = effective_config(quiet=True)
    with open_platform(config, require_current=True):
        account = _existing(login)
        if not account.active:
            click.echo(f"Le compte « {account.login} » était déjà désactivé.")
            return
        ended = deactivate(account)
    click.echo(f"Compte « {account.login} » désactivé ; {_sessions(ended)} fermée(s) et ses jetons d'accès révoqués.")


@user.command("activate")
@click.option("--login", required=True, metavar="IDENTIFIANT", help="Compte à réactiver.")
def user_activate(login: str) -> None:
    """Réactiver un compte désactivé (ses anciennes sessions et ses jetons restent fermés)."""
    config = effective_config(quiet=True)
    with open_platform(config, require_current=True):
        account = _existing(login)
        if account.active:
            click.echo(f"Le compte « {account.login} » est déjà actif.")
            return
        reactivate(account)
    click.echo(f"Compte « {account.login} » réactivé : son titulaire peut se connecter avec son mot de passe.")


def _sessions(count: int) -> str:
    return f"{count} session" if count < 2 else f"{count} sessions"
