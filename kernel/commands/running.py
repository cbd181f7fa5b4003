"""``relais serve`` and ``relais demo``: the platform running until Ctrl+C."""
from __future__ import annotations

import errno
import socket
from pathlib import Path
from typing import Callable

import click
from flask import Flask

from .. import demo as demo_data
from ..demo_directory import OUTSIDE_DOMAIN, DirectorySeed, seed_directory
from ..demo_operator import DemoOperator
from ..models import Patient
from ..services.delegations import scope_label
from ..server import RunningPlatform, listen, run_platform
from ..serving.launch import exec_arbiter
from ..serving.limits import raise_fd_limit
from ..serving.plan import Plan
from ..settings import BY_NAME
from .common import Fail, counted, effective_config, open_platform, table

PORT = click.IntRange(0, 65535)


@click.command()
@click.option("--host", metavar="ADRESSE", help="Adresse d'écoute (par défaut : réglage « host », 127.0.0.1).")
@click.option("--port", type=PORT, metavar="PORT",
              help="Port d'écoute, 0 pour un port libre (par défaut : réglage « port », 8000).")
@click.option("--workers", type=click.IntRange(1, 64), metavar="N",
              help="Processus de service (gunicorn), chacun tenant des milliers de connexions "
                   "(par défaut : réglage « workers », 1). Plus d'un demande PostgreSQL.")
@click.option("--threaded", is_flag=True,
              help="Serveur à fils d'exécution de werkzeug au lieu de gunicorn (essais, comparaison).")
def serve(host: str | None, port: int | None, workers: int | None, threaded: bool) -> None:
    """Démarrer la plateforme : application web, tâches de fond."""
    config = effective_config()
    host = config["host"] if host is None else host
    port = config["port"] if port is None else port
    workers = config["workers"] if workers is None else workers
    raise_fd_limit()  # one descriptor per socket: the usual 1024 would refuse the 1025th user

    def announce(platform: RunningPlatform) -> None:
        for line in _serve_announcement(platform.url, host, config):
            click.echo(line)

    port_option = "--port (ou le réglage « port »)"
    mail_port_option = "le réglage « mail_receiver_port » (RELAIS_MAIL_RECEIVER_PORT)"
    if threaded:
        with open_platform(config, migrate=True) as app:
            _serve(app, host, port, announce, port_option=port_option, mail_port_option=mail_port_option)
        return
    if workers > 1 and config["event_backend"] != "postgres":
        raise Fail(f"{workers} processus de service demandent PostgreSQL et event_backend = \"postgres\" : "
                   "sans eux, un message posté dans un processus n'atteint pas les connexions des autres. "
                   "Gardez --workers 1 ou passez à PostgreSQL (docs/deployment.md).")
    with open_platform(config, migrate=True) as app:
        _warn_left_out(app)
        _check_mail_port(config, mail_port_option)
        try:
            listener = listen(host, port)
        except OSError as exc:
            raise Fail(_bind_error(host, port, exc, port_option)) from exc
    url = RunningPlatform(host=host, port=listener.getsockname()[1]).url
    # Links in pages and mails use base_url; left at its default, it must follow the real port.
    overrides = {"base_url": url.rstrip("/")} if config["base_url"] == BY_NAME["base_url"].default else {}
    exec_arbiter(listener, Plan(fd=listener.fileno(), url=url, workers=workers, overrides=overrides,
                                announce=_serve_announcement(url, host, config)))


def _serve_announcement(url: str, host: str, config: dict) -> list[str]:
    lines = [f"Relais Santé est démarré : {url}"]
    if host not in ("127.0.0.1", "localhost", "::1") and not config["behind_tls"]:
        lines.append("Attention : la plateforme est joignable depuis le réseau sans HTTPS ; placez-la derrière "
                     "un proxy inverse TLS et activez behind_tls.")
    lines.append("Arrêt : Ctrl+C.")
    return lines


def _warn_left_out(app: Flask) -> None:
    left_out = [p.name for p in app.extensions["relais"].report.plugins if p.status in ("failed", "not installed")]
    if left_out:
        click.echo(f"Attention : {counted(len(left_out), 'extension écartée', 'extensions écartées')} "
                   f"({', '.join(left_out)}) ; le détail : relais plugins", err=True)


@click.command()
@click.option("--data-dir", type=click.Path(path_type=Path), metavar="DOSSIER", default=Path("relais-demo"),
              show_default=True, help="Dossier de la démonstration (base SQLite, pièces jointes).")
@click.option("--host", default="127.0.0.1", metavar="ADRESSE", show_default=True, help="Adresse d'écoute.")
@click.option("--port", type=PORT, metavar="PORT", default=8000, show_default=True,
              help="Port d'écoute, 0 pour un port libre.")
@click.option("--mail-port", type=PORT, metavar="PORT", default=2525, show_default=True,
              help="Port du récepteur de courrier MSSanté de la démonstration, 0 pour un port libre.")
@click.option("--reset", is_flag=True, help="Effacer la démonstration existante et repartir de zéro.")
def demo(data_dir: Path, host: str, port: int, mail_port: int, reset: bool) -> None:
    """Démarrer une démonstration avec des comptes, une structure et des patients fictifs."""
    data_dir = data_dir.expanduser().resolve()
    raise_fd_limit()
    try:
        demo_data.prepare_data_dir(data_dir, reset)  # before the config, which writes a secret key there
    except (demo_data.DemoError, OSError) as exc:
        raise Fail(str(exc)) from exc
    # The demo always runs on the embedded defaults inside its own folder, whatever the
    # configuration says about storage, so --reset can never touch a real database.
    # ``demo`` lets plugins bring their demonstration helpers (kernel/settings.py).
    config = effective_config(data_dir=str(data_dir), database_url="", attachments_dir="", demo=True,
                              mail_inbound="smtp", mail_receiver_port=mail_port)
    with open_platform(config, migrate=True) as app:
        created = demo_data.seed(app)
        with app.app_context():
            directory = seed_directory(data_dir, published=demo_data.published_addresses())
        # The outside operators' stand-in: the relay of mail to the fictitious directory (kernel/demo_operator.py).
        app.extensions["relais"].services.append(DemoOperator())

        def announce(platform: RunningPlatform) -> None:
            _echo_demo(data_dir, created, directory)
            click.echo(f"Relais Santé (démonstration) est prêt : {platform.url}")
            click.echo("Arrêt : Ctrl+C.")

        _serve(app, host, port, announce, always_adopt_url=True, port_option="--port",
               mail_port_option="--mail-port")


def _serve(app: Flask, host: str, port: int, announce: Callable[[RunningPlatform], None],
           always_adopt_url: bool = False, port_option: str = "--port", mail_port_option: str = "") -> None:
    """Run the platform with the services its plugins registered; bind failures become French errors
    naming the option or setting that changes the port."""
    ready = False
    config = app.extensions["relais"].config
    _check_mail_port(config, mail_port_option)

    def on_ready(platform: RunningPlatform) -> None:
        nonlocal ready
        ready = True
        # Links in pages and mails use base_url; left at its default, it must follow the real port.
        if always_adopt_url or config["base_url"] == BY_NAME["base_url"].default:
            config["base_url"] = platform.url.rstrip("/")
        _warn_left_out(app)
        announce(platform)

    try:
        # No ``services`` argument: run_platform starts those of relais.services by default.
        run_platform(app, host, port, ready_callback=on_ready)
    except OSError as exc:
        if ready:
            raise
        raise Fail(_bind_error(host, port, exc, port_option)) from exc
    click.echo("Relais Santé est arrêté.")


def _check_mail_port(config: dict, option: str) -> None:
    """The built-in SMTP receiver's port, tried before anything starts: taken, the platform would run
    without receiving mail and say so only in its log, where nobody trying the demo looks."""
    if config["mail_inbound"] != "smtp" or not config["mail_receiver_port"]:
        return
    host, port = config["mail_receiver_host"], config["mail_receiver_port"]
    try:
        listen(host, port).close()
    except OSError as exc:
        raise Fail(_bind_error(host, port, exc, option, what=" du courrier MSSanté (récepteur SMTP)",
                               host_option="le réglage « mail_receiver_host »")) from exc


def _bind_error(host: str, port: int, exc: OSError, option: str = "--port", what: str = "",
                host_option: str = "--host") -> str:
    if exc.errno == errno.EADDRINUSE:
        return (f"le port {port}{what} est déjà utilisé sur {host} : arrêtez le programme qui l'occupe ou "
                f"choisissez un autre port avec {option}.")
    if exc.errno == errno.EACCES:
        return (f"pas le droit d'écouter sur le port {port}{what} : choisissez un port supérieur à 1023 "
                f"avec {option}.")
    if exc.errno == errno.EADDRNOTAVAIL or isinstance(exc, socket.gaierror):
        return f"l'adresse « {host} » n'existe pas sur cette machine : corrigez {host_option}."
    return f"impossible d'écouter sur {host}:{port} : {exc.strerror or exc}."


def _echo_demo(data_dir: Path, created: bool, directory: DirectorySeed | None = None) -> None:
    click.echo(f"Démonstration de Relais Santé, données dans {data_dir}")
    click.echo("Données de démonstration créées." if created else
               "Données de démonstration existantes reprises (--reset pour repartir de zéro).")
    click.echo(f"\nComptes de démonstration (mot de passe : {demo_data.DEMO_PASSWORD}) :\n")
    rows = [(p.login, demo_data.DEMO_PASSWORD, p.display_name, p.profession,
             ", ".join(p.addresses) or "non éligible à MSSanté : écrit par délégation")
            for p in demo_data.PROFESSIONALS]
    click.echo(table(("Identifiant", "Mot de passe", "Nom", "Profession", "Adresses MSSanté"), rows))
    delegates = ", ".join(demo_data.STRUCTURE_DELEGATES)
    click.echo(f"\nStructure : {demo_data.STRUCTURE_NAME} <{demo_data.STRUCTURE_ADDRESS}>, "
               f"délégation à {delegates}")
    for delegate, principal, scope in demo_data.PERSONAL_DELEGATIONS:
        click.echo(f"Délégation : {delegate} peut écrire au nom de {principal} "
                   f"({scope_label(scope).lower()})")
    click.echo("Patients :")
    for p in demo_data.PATIENTS:
        patient = Patient(birth_name=p.birth_name, used_name=p.used_name, first_names=p.first_names,
                          birth_date=p.birth_date, sex=p.sex)
        click.echo(f"  {patient.display_name}" + (f", INS {p.ins}" if p.ins else ""))
    if directory is not None:
        seconds = f"{directory.seconds:.1f}".replace(".", ",")
        figures = (f" : {_thousands(directory.professionals)} professionnels et {_thousands(directory.services)} "
                   "services, importés en "
                   f"{seconds} s" if directory.created else " (déjà importé)")
        click.echo(f"Annuaire fictif{figures} ; cherchez par nom, ville ou spécialité (« cardiologie lyon »). "
                   f"Leurs adresses (*.{OUTSIDE_DOMAIN}) sont servies par un opérateur de démonstration "
                   "qui accuse réception : vos mails leur sont « remis ».")
    click.echo("")


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", " ")  # 2 606, as French writes it
