"""The ``relais`` command: set up, migrate, run and administer a Relais Santé platform (French for users).

One module per subject: database (init, migrate), running (serve, demo), accounts (user), tokens
(token), plugins, directory (import-annuaire); common holds what they share, french click's own messages.
"""
from __future__ import annotations

import os
from pathlib import Path

import click

from .accounts import user
from .common import SUBCOMMAND, Fail
from .database import init, migrate
from .directory import import_annuaire
from .french import use_french_messages
from .plugins import plugins
from .running import demo, serve
from .tokens import token

# At import, as before the split: tests and other in-process callers invoke ``cli`` without ``main``.
use_french_messages()


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


for _command in (init, migrate, serve, demo, user, token, plugins, import_annuaire):
    cli.add_command(_command)


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
    """Console script entry point (setup.cfg, through kernel.cli)."""
    cli(prog_name="relais")
