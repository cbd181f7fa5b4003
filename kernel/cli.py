"""The ``relais`` command: set up, migrate, run and administer a Relais Santé platform (French for users)."""
from __future__ import annotations

import errno
import json
import os
import re
import socket
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence
from urllib.parse import urlsplit

import click
import click.core
import click.decorators
import click.exceptions
import click.formatting
import click.parser
import click.termui
import click.types
import peewee as pw
from flask import Flask
from marshmallow import ValidationError
from marshmallow.validate import Email

from . import demo as demo_data
from .app import create_app
from .auth.passwords import hash_password
from .auth.tokens import create_token
from .config import Config, ConfigError, load_config
from .db import utcnow
from .migrate import KERNEL_MIGRATIONS, MigrationSet, pending
from .models import PERSON, Account, ApiToken, Identity, MailAddress, Patient
from .plugin_manager import PluginStatus
from .server import RunningPlatform, run_platform
from .settings import BY_NAME

# --- click's own messages in French ------------------------------------------------------------
# click translates through gettext but ships no French catalog, and a .mo file would be one more
# build artefact; its modules look ``_``/``ngettext`` up at call time, so we hand them ours.
# tests/cli/test_cli_french.py fails if click renames one of these messages.
CLICK_FRENCH: dict[str, str] = {
    "Usage:": "Utilisation :",
    "Options": "Options",
    "Commands": "Commandes",
    "Positional arguments": "Arguments",
    "Show this message and exit.": "Afficher cette aide et quitter.",
    "Error: {message}": "Erreur : {message}",
    "Try '{command} {option}' for help.": "Essayez « {command} {option} » pour obtenir de l'aide.",
    "Missing option": "Option manquante",
    "Missing argument": "Argument manquant",
    "Missing parameter": "Paramètre manquant",
    "Missing command.": "Commande manquante.",
    "No such command {name!r}.": "Commande inconnue : {name!r}.",
    "No such option {name!r}.": "Option inconnue : {name!r}.",
    "Did you mean {possibility}?": "Vouliez-vous dire {possibility} ?",
    "(Did you mean one of: {possibilities}?)": "(Vouliez-vous dire : {possibilities} ?)",
    "Invalid value for {param_hint}: {message}": "Valeur invalide pour {param_hint} : {message}",
    "Invalid value: {message}": "Valeur invalide : {message}",
    "Got unexpected extra argument ({args})": "Argument en trop ({args})",
    "Got unexpected extra arguments ({args})": "Arguments en trop ({args})",
    "Option {name!r} requires an argument.": "L'option {name!r} attend une valeur.",
    "Option {name!r} requires {nargs} arguments.": "L'option {name!r} attend {nargs} valeurs.",
    "Option {name!r} does not take a value.": "L'option {name!r} ne prend pas de valeur.",
    "{value!r} is not a valid {number_type}.": "{value!r} n'est pas un nombre valide.",
    "{value} is not in the range {range}.": "{value} n'est pas dans l'intervalle {range}.",
    "Aborted!": "Abandon.",
    "default: {default}": "par défaut : {default}",
    "env var: {var}": "variable d'environnement : {var}",
    "required": "obligatoire",
}


def _french(message: str) -> str:
    return CLICK_FRENCH.get(message, message)


def _french_plural(singular: str, plural: str, n: int) -> str:
    return _french(singular if n == 1 else plural)


for _module in (click.core, click.decorators, click.exceptions, click.formatting, click.parser, click.termui,
                click.types):
    if hasattr(_module, "_"):
        _module._ = _french  # type: ignore[attr-defined]
    if hasattr(_module, "ngettext"):
        _module.ngettext = _french_plural  # type: ignore[attr-defined]


# --- shared helpers ----------------------------------------------------------------------------
Fail = click.ClickException  # prints "Erreur : <message>" on stderr and exits with status 1


def _plural(n: int, singular: str, plural: str) -> str:
    return f"{n} {singular if n == 1 else plural}"


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [[str(c) for c in headers], *[[("" if c is None else str(c)) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _load_config(quiet: bool = False, **overrides: Any) -> Config:
    """The effective configuration; ``quiet`` keeps INFO logs off one-shot commands, which print
    their own French account of what they did."""
    try:
        config = load_config(overrides)
    except ConfigError as exc:
        raise Fail(f"configuration inutilisable : {exc}") from exc
    except OSError as exc:
        raise Fail(f"impossible de préparer le dossier des données : {exc}") from exc
    if quiet and config["log_level"].upper() == "INFO":
        config["log_level"] = "WARNING"
    return config


def describe_database(url: str) -> str:
    """Where the data is, without the password a PostgreSQL URL may carry."""
    if url.startswith("sqlite:///"):
        return f"SQLite, fichier {url[len('sqlite:///'):]}"
    parts = urlsplit(url)
    where = f"{parts.hostname or 'localhost'}{f':{parts.port}' if parts.port else ''}{parts.path}"
    return f"{parts.scheme}://{parts.username + '@' if parts.username else ''}{where}"


KERNEL_SET = MigrationSet("kernel", KERNEL_MIGRATIONS)


def migration_sets(app: Flask) -> list[MigrationSet]:
    # The same sets create_app(migrate=True) applies: the kernel's first, then each plugin's.
    return [KERNEL_SET, *app.extensions["relais"].migrations]


def _pending_list(app: Flask, sets: list[MigrationSet]) -> list[tuple[str, str]]:
    waiting = pending(app.extensions["relais"].database, sets)
    return [(namespace, name) for namespace, names in waiting.items() for name in names]


def _apply_migrations(config: Config) -> tuple[list[tuple[str, str]], list[PluginStatus]]:
    """Apply what is pending the way every app start does (one plugin's failing migration takes only
    that plugin out); returns what was applied and the plugins taken out on the way."""
    with _open_platform(config) as app:
        sets = migration_sets(app)
        before = _pending_list(app, sets)
        failed_before = {p.name for p in app.extensions["relais"].report.plugins if p.status == "failed"}
    with _open_platform(config, migrate=True) as app:
        after = set(_pending_list(app, sets))
        dropped = [p for p in app.extensions["relais"].report.plugins
                   if p.status == "failed" and p.name not in failed_before]
    return [m for m in before if m not in after], dropped


@contextmanager
def _open_platform(config: Config, migrate: bool = False, require_current: bool = False) -> Iterator[Flask]:
    """An app in context for one command; database failures become French errors."""
    try:
        app = create_app(config, migrate=migrate)
        with app.app_context():
            # Accounts and tokens live in the kernel's tables: a plugin's pending migration is no reason to refuse.
            if require_current:
                waiting = len(_pending_list(app, [KERNEL_SET]))
                if waiting:
                    raise Fail(f"la base de données n'est pas à jour ({_plural(waiting, 'migration', 'migrations')} "
                               "en attente) : lancez « relais migrate », ou « relais init » pour une nouvelle "
                               "installation.")
            yield app
    except pw.OperationalError as exc:
        raise Fail(f"impossible d'utiliser la base de données ({describe_database(config['database_url'])}) : "
                   f"{exc}") from exc


def _migrate_and_report(config: Config) -> bool:
    """Apply pending migrations and say which; False when a plugin had to be taken out."""
    done, dropped = _apply_migrations(config)
    if not done:
        click.echo("Aucune migration à appliquer : la base de données est à jour.")
    else:
        click.echo(f"{_plural(len(done), 'migration appliquée', 'migrations appliquées')} :")
        for namespace, name in done:
            click.echo(f"  {namespace} : {name}")
    for plugin in dropped:
        click.echo(f"Attention : l'extension « {plugin.name} » est écartée ({plugin.error}) ; la plateforme "
                   "démarrera sans elle. Corrigez-la puis relancez « relais migrate ».", err=True)
    return not dropped


SUBCOMMAND = "COMMANDE [ARGUMENTS]..."


# --- the command group -------------------------------------------------------------------------
@click.group(context_settings={"help_option_names": ["-h", "--help"]}, subcommand_metavar=SUBCOMMAND)
@click.option("--config", "config_path", metavar="FICHIER",
              help="Fichier de configuration TOML (équivaut à la variable RELAIS_CONFIG).")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None) -> None:
    """Relais Santé : messagerie sécurisée entre professionnels de santé."""
    if config_path:
        path = Path(config_path).expanduser()
        if not path.is_file():
            raise Fail(f"le fichier de configuration « {config_path} » n'existe pas.")
        _set_env_for_command(ctx, "RELAIS_CONFIG", str(path.resolve()))


def _set_env_for_command(ctx: click.Context, name: str, value: str) -> None:
    # Restored when the command ends, so an in-process caller (the tests) keeps its environment.
    previous = os.environ.get(name)
    os.environ[name] = value

    def restore() -> None:
        if previous is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = previous
    ctx.call_on_close(restore)


def main() -> None:
    """Console script entry point (setup.cfg)."""
    cli(prog_name="relais")


@cli.command()
@click.pass_context
def init(ctx: click.Context) -> None:
    """Créer le dossier des données et la base de données, ou la mettre à jour."""
    config = _load_config(quiet=True)
    try:
        Path(config["data_dir"]).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise Fail(f"impossible de créer le dossier des données « {config['data_dir']} » : {exc.strerror}.") from exc
    complete = _migrate_and_report(config)
    with _open_platform(config) as app:
        has_accounts = Account.select().exists()
    click.echo(f"Dossier des données : {config['data_dir']}")
    click.echo(f"Base de données : {describe_database(config['database_url'])}")
    if not has_accounts:
        click.echo("Créez maintenant un premier compte administrateur : relais user create --login IDENTIFIANT "
                   "--first-name PRÉNOM --last-name NOM --admin")
    if not complete:
        ctx.exit(1)


@cli.command()
@click.option("--check", is_flag=True,
              help="Lister les migrations en attente sans les appliquer (code de sortie 1 s'il y en a).")
@click.pass_context
def migrate(ctx: click.Context, check: bool) -> None:
    """Appliquer les migrations de la base de données en attente."""
    config = _load_config(quiet=True)
    if not check:
        if not _migrate_and_report(config):
            ctx.exit(1)
        return
    with _open_platform(config) as app:
        waiting = _pending_list(app, migration_sets(app))
    if not waiting:
        click.echo("La base de données est à jour.")
        return
    click.echo(f"{_plural(len(waiting), 'migration en attente', 'migrations en attente')} :")
    for namespace, name in waiting:
        click.echo(f"  {namespace} : {name}")
    click.echo("Appliquez-les avec « relais migrate ».")
    ctx.exit(1)


# --- running the platform ----------------------------------------------------------------------
PORT = click.IntRange(0, 65535)


@cli.command()
@click.option("--host", metavar="ADRESSE", help="Adresse d'écoute (par défaut : réglage « host », 127.0.0.1).")
@click.option("--port", type=PORT, metavar="PORT",
              help="Port d'écoute, 0 pour un port libre (par défaut : réglage « port », 8000).")
def serve(host: str | None, port: int | None) -> None:
    """Démarrer la plateforme : application web, tâches de fond."""
    config = _load_config()
    host = config["host"] if host is None else host
    port = config["port"] if port is None else port

    def announce(platform: RunningPlatform) -> None:
        click.echo(f"Relais Santé est démarré : {platform.url}")
        if host not in ("127.0.0.1", "localhost", "::1") and not config["session_cookie_secure"]:
            click.echo("Attention : la plateforme est joignable depuis le réseau sans HTTPS ; placez-la derrière "
                       "un proxy inverse TLS et activez session_cookie_secure.")
        click.echo("Arrêt : Ctrl+C.")

    with _open_platform(config, migrate=True) as app:
        _serve(app, host, port, announce)


def _serve(app: Flask, host: str, port: int, announce: Callable[[RunningPlatform], None],
           always_adopt_url: bool = False) -> None:
    ready = False
    config = app.extensions["relais"].config

    def on_ready(platform: RunningPlatform) -> None:
        nonlocal ready
        ready = True
        # Links in pages and mails use base_url; left at its default, it must follow the real port.
        if always_adopt_url or config["base_url"] == BY_NAME["base_url"].default:
            config["base_url"] = platform.url.rstrip("/")
        left_out = [p.name for p in app.extensions["relais"].report.plugins
                    if p.status in ("failed", "not installed")]
        if left_out:
            click.echo(f"Attention : {_plural(len(left_out), 'extension écartée', 'extensions écartées')} "
                       f"({', '.join(left_out)}) ; le détail : relais plugins", err=True)
        announce(platform)

    try:
        run_platform(app, host, port, ready_callback=on_ready)
    except OSError as exc:
        if ready:
            raise
        raise Fail(_bind_error(host, port, exc)) from exc
    click.echo("Relais Santé est arrêté.")


def _bind_error(host: str, port: int, exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return (f"le port {port} est déjà utilisé sur {host} : arrêtez le programme qui l'occupe ou "
                "choisissez un autre port avec --port.")
    if exc.errno == errno.EACCES:
        return f"pas le droit d'écouter sur le port {port} : choisissez un port supérieur à 1023 avec --port."
    if exc.errno == errno.EADDRNOTAVAIL or isinstance(exc, socket.gaierror):
        return f"l'adresse « {host} » n'existe pas sur cette machine : corrigez --host."
    return f"impossible d'écouter sur {host}:{port} : {exc.strerror or exc}."


@cli.command()
@click.option("--data-dir", type=click.Path(path_type=Path), metavar="DOSSIER", default=Path("relais-demo"),
              show_default=True, help="Dossier de la démonstration (base SQLite, pièces jointes).")
@click.option("--host", default="127.0.0.1", metavar="ADRESSE", show_default=True, help="Adresse d'écoute.")
@click.option("--port", type=PORT, metavar="PORT", default=8000, show_default=True,
              help="Port d'écoute, 0 pour un port libre.")
@click.option("--reset", is_flag=True, help="Effacer la démonstration existante et repartir de zéro.")
def demo(data_dir: Path, host: str, port: int, reset: bool) -> None:
    """Démarrer une démonstration avec des comptes, une structure et des patients fictifs."""
    data_dir = data_dir.expanduser().resolve()
    try:
        demo_data.prepare_data_dir(data_dir, reset)  # before the config, which writes a secret key there
    except (demo_data.DemoError, OSError) as exc:
        raise Fail(str(exc)) from exc
    # The demo always runs on the embedded defaults inside its own folder, whatever the
    # configuration says about storage, so --reset can never touch a real database.
    config = _load_config(data_dir=str(data_dir), database_url="", attachments_dir="")
    with _open_platform(config, migrate=True) as app:
        created = demo_data.seed(app)

        def announce(platform: RunningPlatform) -> None:
            _echo_demo(data_dir, created)
            click.echo(f"Relais Santé (démonstration) est prêt : {platform.url}")
            click.echo("Arrêt : Ctrl+C.")

        _serve(app, host, port, announce, always_adopt_url=True)


def _echo_demo(data_dir: Path, created: bool) -> None:
    click.echo(f"Démonstration de Relais Santé, données dans {data_dir}")
    click.echo("Données de démonstration créées." if created else
               "Données de démonstration existantes reprises (--reset pour repartir de zéro).")
    click.echo(f"\nComptes de démonstration (mot de passe : {demo_data.DEMO_PASSWORD}) :\n")
    rows = [(p.login, demo_data.DEMO_PASSWORD, p.display_name, p.profession,
             ", ".join(p.addresses) or "non éligible à MSSanté : écrit par délégation")
            for p in demo_data.PROFESSIONALS]
    click.echo(_table(("Identifiant", "Mot de passe", "Nom", "Profession", "Adresses MSSanté"), rows))
    delegates = ", ".join(demo_data.STRUCTURE_DELEGATES)
    click.echo(f"\nStructure : {demo_data.STRUCTURE_NAME} <{demo_data.STRUCTURE_ADDRESS}>, "
               f"délégation à {delegates}")
    for delegate, principal in demo_data.PERSONAL_DELEGATIONS:
        click.echo(f"Délégation : {delegate} peut écrire au nom de {principal}")
    click.echo("Patients :")
    for p in demo_data.PATIENTS:
        patient = Patient(birth_name=p.birth_name, used_name=p.used_name, first_names=p.first_names,
                          birth_date=p.birth_date, sex=p.sex)
        click.echo(f"  {patient.display_name}" + (f", INS {p.ins}" if p.ins else ""))
    click.echo("")


# --- accounts ----------------------------------------------------------------------------------
LOGIN_RE = re.compile(r"^[A-Za-z0-9._@-]{1,150}$")
# CNIL: 8 characters suffice when failed logins are throttled, which the platform does.
MIN_PASSWORD_LENGTH = 8


@cli.group(subcommand_metavar=SUBCOMMAND)
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
    config = _load_config(quiet=True)
    with _open_platform(config, require_current=True) as app:
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


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise Fail("aucun mot de passe reçu sur l'entrée standard.")
    else:
        password = click.prompt("Mot de passe", hide_input=True)
        if click.prompt("Confirmez le mot de passe", hide_input=True) != password:
            raise Fail("les deux mots de passe saisis diffèrent : le compte n'est pas créé.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Fail(f"le mot de passe doit compter au moins {MIN_PASSWORD_LENGTH} caractères.")
    return password


@user.command("list")
def user_list() -> None:
    """Lister les comptes."""
    config = _load_config(quiet=True)
    with _open_platform(config, require_current=True):
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
    click.echo(_table(("Identifiant", "Nom", "Profession", "RPPS", "MSSanté", "Adresses", "Admin", "État"), rows))


# --- API tokens --------------------------------------------------------------------------------
@cli.group(subcommand_metavar=SUBCOMMAND)
def token() -> None:
    """Gérer les jetons d'accès à l'API pour les programmes."""


@token.command("create")
@click.option("--login", required=True, metavar="IDENTIFIANT", help="Compte au nom duquel le programme agira.")
@click.option("--name", default="ligne de commande", metavar="NOM", show_default=True,
              help="À quoi sert le jeton (pour le reconnaître et le révoquer).")
def token_create(login: str, name: str) -> None:
    """Créer un jeton d'accès ; il n'est affiché qu'une fois."""
    name = name.strip()
    if not name or len(name) > 100:
        raise Fail("le nom du jeton doit compter de 1 à 100 caractères.")
    config = _load_config(quiet=True)
    with _open_platform(config, require_current=True):
        account = Account.get_or_none(Account.login == login.strip())
        if account is None:
            raise Fail(f"aucun compte n'a l'identifiant « {login} » : vérifiez-le avec « relais user list ».")
        if not account.active:
            raise Fail(f"le compte « {login} » est désactivé : un jeton ne pourrait pas servir.")
        row, secret = create_token(account, name)
    # Only the token goes to stdout, so a script can capture it: TOKEN=$(relais token create ...).
    click.echo(f"Jeton n°{row.id} « {name} » créé pour « {account.login} » :", err=True)
    click.echo(secret)
    click.echo("Copiez-le maintenant : il ne sera plus jamais affiché (seule son empreinte est conservée). "
               f"Pour le révoquer : relais token revoke {row.id}", err=True)


@token.command("revoke")
@click.argument("token_id", metavar="ID", type=int)
def token_revoke(token_id: int) -> None:
    """Révoquer le jeton numéro ID."""
    config = _load_config(quiet=True)
    with _open_platform(config, require_current=True):
        row = ApiToken.select(ApiToken, Account).join(Account).where(ApiToken.id == token_id).first()
        if row is None:
            raise Fail(f"aucun jeton n°{token_id} : voyez les jetons avec « relais token list ».")
        if row.revoked_at is not None:
            click.echo(f"Le jeton n°{token_id} était déjà révoqué depuis le {row.revoked_at:%d/%m/%Y à %H:%M} UTC.")
            return
        ApiToken.update(revoked_at=utcnow()).where(ApiToken.id == token_id).execute()
    click.echo(f"Jeton n°{token_id} « {row.name} » de « {row.account.login} » révoqué : "
               "les programmes qui l'utilisent sont désormais refusés.")


@token.command("list")
@click.option("--login", metavar="IDENTIFIANT", help="Seulement les jetons de ce compte.")
def token_list(login: str | None) -> None:
    """Lister les jetons d'accès (jamais leur valeur)."""
    config = _load_config(quiet=True)
    with _open_platform(config, require_current=True):
        query = ApiToken.select(ApiToken, Account).join(Account).order_by(ApiToken.id)
        if login:
            query = query.where(Account.login == login)
        tokens = list(query)
    if not tokens:
        click.echo("Aucun jeton.")
        return

    def when(value: Any) -> str:
        return f"{value:%d/%m/%Y %H:%M}" if value else ""
    rows = [(t.id, t.account.login, t.name, when(t.created_at), when(t.last_used_at),
             f"révoqué le {when(t.revoked_at)}" if t.revoked_at else "actif") for t in tokens]
    click.echo(_table(("N°", "Compte", "Nom", "Créé (UTC)", "Dernier usage (UTC)", "État"), rows))


# --- plugins -----------------------------------------------------------------------------------
STATUS_FRENCH = {"loaded": "chargé", "failed": "en échec", "not installed": "non installé", "available": "disponible"}


@cli.command()
@click.option("--json", "as_json", is_flag=True,
              help="Rapport en JSON (clés name, status, source, error ; états en anglais).")
def plugins(as_json: bool) -> None:
    """Lister les extensions : chargées, en échec, non installées ou disponibles."""
    config = _load_config(quiet=True)
    with _open_platform(config) as app:
        report = app.extensions["relais"].report
    # Exit status 0 even with failures: the platform starts without them, and this command reports.
    if as_json:
        click.echo(json.dumps([p.as_json() for p in report.plugins], ensure_ascii=False, indent=2))
        return
    rows = [(p.name, STATUS_FRENCH.get(p.status, p.status), p.source, p.error) for p in report.plugins]
    click.echo(_table(("Extension", "État", "Source", "Erreur"), rows))
    failed = [p for p in report.plugins if p.status in ("failed", "not installed")]
    for p in failed:
        what = "n'est pas installée" if p.status == "not installed" else "n'a pas pu être chargée"
        click.echo(f"Attention : l'extension « {p.name} » {what} ; la plateforme démarre sans elle. "
                   "Corrigez-la ou retirez-la du réglage « plugins ».", err=True)


if __name__ == "__main__":  # python -m kernel.cli
    sys.exit(main())
