"""What every ``relais`` command shares: French errors, the configuration, an app in context, tables."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator, Sequence
from urllib.parse import urlsplit

import click
import peewee as pw
from flask import Flask

from ..app import create_app
from ..config import Config, ConfigError, load_config
from ..migrate import MigrationSet, pending
from ..relais import Relais
from .logs import configure_logging

Fail = click.ClickException  # prints "Erreur : <message>" on stderr and exits with status 1
SUBCOMMAND = "COMMANDE [ARGUMENTS]..."


def counted(n: int, singular: str, plural: str) -> str:
    """``counted(2, "migration", "migrations")`` is "2 migrations"."""
    return f"{n} {singular if n == 1 else plural}"


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [[str(c) for c in headers], *[[("" if c is None else str(c)) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def effective_config(quiet: bool = False, **overrides: Any) -> Config:
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
    configure_logging(config["log_level"])
    return config


def describe_database(url: str) -> str:
    """Where the data is, without the password a PostgreSQL URL may carry."""
    if url.startswith("sqlite:///"):
        return f"SQLite, fichier {url[len('sqlite:///'):]}"
    parts = urlsplit(url)
    where = f"{parts.hostname or 'localhost'}{f':{parts.port}' if parts.port else ''}{parts.path}"
    return f"{parts.scheme}://{parts.username + '@' if parts.username else ''}{where}"


def waiting_migrations(relais: Relais, sets: list[MigrationSet]) -> list[tuple[str, str]]:
    """The migrations of ``sets`` not applied yet, as ``(namespace, name)`` in the order they would run."""
    waiting = pending(relais.database, sets)
    return [(namespace, name) for namespace, names in waiting.items() for name in names]


@contextmanager
def open_platform(config: Config, migrate: bool = False, require_current: bool = False) -> Iterator[Flask]:
    """An app in context for one command; database failures become French errors."""
    try:
        app = create_app(config, migrate=migrate)
        with app.app_context():
            if require_current:
                _refuse_an_outdated_kernel_schema(app.extensions["relais"])
            yield app
    except pw.OperationalError as exc:
        raise Fail(f"impossible d'utiliser la base de données ({describe_database(config['database_url'])}) : "
                   f"{exc}") from exc


def _refuse_an_outdated_kernel_schema(relais: Relais) -> None:
    # Accounts and tokens live in the kernel's tables: a plugin's pending migration is no reason to refuse.
    kernel_set = relais.migration_sets()[0]  # the kernel's always comes first
    waiting = len(waiting_migrations(relais, [kernel_set]))
    if waiting:
        raise Fail(f"la base de données n'est pas à jour ({counted(waiting, 'migration', 'migrations')} "
                   "en attente) : lancez « relais migrate », ou « relais init » pour une nouvelle "
                   "installation.")
