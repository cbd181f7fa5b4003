"""``relais user``: create and list the professionals' accounts, change a password, deactivate an account."""
from __future__ import annotations

import re
import sys

import click
import peewee as pw
from marshmallow import ValidationError
from marshmallow.validate import Email

from ..auth.account_state import deactivate, reactivate, set_password
from ..auth.passwords import hash_password
from ..directory import sync_identity
from ..models import PERSON, Account, Identity, MailAddress
from .common import SUBCOMMAND, Fail, effective_config, open_platform, table

LOGIN_RE = re.compile(r"^[A-Za-z0-9._@-]{1,150}$")
# CNIL: 8 characters suffice when failed logins are throttled, which the platform does.
MIN_PASSWORD_LENGTH = 8


@click.group(subcommand_metavar=SUBCOMMAND)
def user() -> None:
    """Gérer les comptes des professionnels."""


@user.command("create")
@click.option("--login", required=True, metavar="IDENTIFIANT",
              help="Identifiant de connexion (lettres, chiffres, . _ - @).")
@click.option("--first-name", required=True, metavar="PRÉNOM", help="Prénom.")
@click.option("--last-name", required=True, metavar="NOM", help="Nom.")
@click.option("--profession", default="", metavar="PROFESSION", help="Profession, par exemple « Médecin généraliste ».")
@click.option("--rpps", metavar="NUMÉRO", help="Numéro RPPS (11 chiffres).")
@click.option("--mssante-address", "addresses", multiple=True, metavar="ADRESSE",
              help="Adresse MSSanté du professionnel ; répétez l'option pour plusieurs adresses.")
@click.option("--eligible/--not-eligible", default=True, show_default=True,
              help="Profession éligible à MSSanté (sinon le compte écrit seulement par délégation).")
@click.option("--admin", is_flag=True, help="Administrateur de la plateforme.")
@click.option("--password-stdin", is_flag=True, help="Lire le mot de passe sur l'entrée standard (une ligne).")
def user_create(login: str, first_name: str, last_name: str, profession: str, rpps: str | None,
                addresses: tuple[str, ...], eligible: bool, admin: bool, password_stdin: bool) -> None:
    """Créer un compte."""
    login, first_name, last_name, profession = (v.strip() for v in (login, first_name, last_name, profession))
    rpps = rpps.strip() if rpps is not None else None
    addresses = tuple(dict.fromkeys(a.strip().lower() for a in addresses))
    _refuse(_account_errors(login, first_name, last_name, profession, rpps, addresses, eligible))
    config = effective_config(quiet=True)
    with open_platform(config, require_current=True) as app:
        # Checked before asking for the password, so nobody types one for nothing.
        _refuse(_clash_errors(login, rpps, addresses))
        password = _read_password(password_stdin)
        try:
            with app.extensions["relais"].database.atomic():
                identity = Identity.create(kind=PERSON, display_name=f"{first_name} {last_name.upper()}",
                                           mssante_eligible=eligible)
                for address in addresses:
                    MailAddress.create(identity=identity, address=address)
                account = Account.create(login=login, password_hash=hash_password(password), first_name=first_name,
                                         last_name=last_name, profession=profession, rpps=rpps or None,
                                         identity=identity, is_admin=admin)
                sync_identity(identity)  # searchable in the directory at once
        except pw.IntegrityError as exc:  # created by someone else meanwhile
            raise Fail("le compte n'est pas créé : l'identifiant, le RPPS ou une adresse vient d'être "
                       "attribué à un autre compte. Vérifiez avec « relais user list ».") from exc
    kind = "Compte administrateur" if admin else "Compte"
    click.echo(f"{kind} « {account.login} » créé pour {account.full_name}"
               f"{f', {profession}' if profession else ''}.")
    for address in addresses:
        click.echo(f"  Adresse MSSanté : {address}")


def _refuse(errors: list[str]) -> None:
    if errors:
        raise Fail("le compte n'est pas créé.\n" + "\n".join(f"  - {e}" for e in errors))


def _account_errors(login: str, first_name: str, last_name: str, profession: str, rpps: str | None,
                    addresses: tuple[str, ...], eligible: bool) -> list[str]:
    errors = []
    if not LOGIN_RE.match(login):
        errors.append("l'identifiant doit compter de 1 à 150 caractères parmi lettres sans accent, chiffres "
                      "et . _ - @, sans espace.")
    for label, value, limit in (("prénom", first_name, 100), ("nom", last_name, 100)):
        if not value:
            errors.append(f"le {label} est obligatoire.")
        elif len(value) > limit:
            errors.append(f"le {label} dépasse {limit} caractères.")
    if len(profession) > 100:
        errors.append("la profession dépasse 100 caractères.")
    if rpps is not None and not (len(rpps) == 11 and rpps.isascii() and rpps.isdigit()):
        errors.append(f"le numéro RPPS « {rpps} » doit compter exactement 11 chiffres.")
    for address in addresses:
        error = _address_error(address)
        if error:
            errors.append(error)
    if addresses and not eligible:
        errors.append("un professionnel non éligible à MSSanté ne peut pas détenir d'adresse MSSanté "
                      "personnelle : retirez --mssante-address ou --not-eligible (il écrira par délégation).")
    return errors


def _address_error(address: str) -> str | None:
    try:
        Email()(address)
    except ValidationError:
        return f"« {address} » n'est pas une adresse de messagerie valide."
    domain = address.rsplit("@", 1)[1]
    if len(address) > 254 or not (domain == "mssante.fr" or domain.endswith(".mssante.fr")):
        return (f"« {address} » n'est pas une adresse MSSanté : son domaine doit se terminer par "
                "« mssante.fr ».")
    return None


def _clash_errors(login: str, rpps: str | None, addresses: tuple[str, ...]) -> list[str]:
    errors = []
    # Logins are matched exactly at sign-in; two differing only by case would confuse people.
    taken = Account.select(Account.login).where(pw.fn.LOWER(Account.login) == login.lower()).first()
    if taken is not None:
        errors.append(f"l'identifiant « {taken.login} » est déjà utilisé : choisissez-en un autre.")
    if rpps and Account.select().where(Account.rpps == rpps).exists():
        errors.append(f"le numéro RPPS {rpps} appartient déjà à un autre compte.")
    if addresses:
        for row in MailAddress.select().where(MailAddress.address.in_(addresses)):
            errors.append(f"l'adresse « {row.address} » est déjà attribuée.")
    return errors


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
def user_list() -> None:
    """Lister les comptes."""
    config = effective_config(quiet=True)
    with open_platform(config, require_current=True):
        accounts = list(Account.select(Account, Identity).join(Identity).order_by(Account.login))
        addresses: dict[int, list[str]] = {}
        for row in MailAddress.select().where(MailAddress.identity.in_([a.identity_id for a in accounts])):
            addresses.setdefault(row.identity_id, []).append(row.address)
    if not accounts:
        click.echo("Aucun compte. Créez-en un avec « relais user create ».")
        return
    rows = [(a.login, a.full_name, a.profession, a.rpps or "", "oui" if a.identity.mssante_eligible else "non",
             ", ".join(sorted(addresses.get(a.identity_id, []))), "oui" if a.is_admin else "",
             "" if a.active else "désactivé") for a in accounts]
    click.echo(table(("Identifiant", "Nom", "Profession", "RPPS", "MSSanté", "Adresses", "Admin", "État"), rows))


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
