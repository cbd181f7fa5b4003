"""The ``relais`` command: set up, migrate, run and administer a Relais Santé platform (French for users).

One module per subject: database (init, migrate), running (serve, demo), accounts (user), tokens
(token), plugins, directory (import-annuaire); common holds what they share, french click's own messages.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import click

from ..config import load_config
from ..plugin_calls import call_each
from ..plugin_manager import build_plugin_manager

from .accounts import user
from .common import SUBCOMMAND, Fail
from .database import init, migrate
from .directory import import_annuaire
from .french import use_french_messages
from .plugins import plugins
from .running import demo, serve
from .tokens import token
from .structures import structure
from .delegations import delegation
from .retention import retention

log = logging.getLogger(__name__)
# At import, as before the split: tests and other in-process callers invoke ``cli`` without ``main``.
use_french_messages()


class WithPluginCommands(click.Group):
    """The kernel's commands, then those the enabled plugins add (hook ``register_commands``), looked up only
    when a name is not the kernel's or the commands are listed: ``relais serve`` never loads a plugin twice."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._from_plugins: dict[str, click.Command] | None = None

    def plugin_commands(self, ctx: click.Context) -> dict[str, click.Command]:
        if self._from_plugins is None:
            self._from_plugins = {}
            config_path = (ctx.params or {}).get("config_path")
            previous = os.environ.get("RELAIS_CONFIG")
            try:
                if config_path:  # the group's --config, parsed but not yet applied when commands are resolved
                    os.environ["RELAIS_CONFIG"] = str(Path(config_path).expanduser().resolve())
                pm, _report = build_plugin_manager(load_config()["plugins"])
                for plugin, commands in call_each(pm, "register_commands"):
                    for command in commands or []:
                        if command.name in self.commands or command.name in self._from_plugins:
                            log.warning("plugin %s: command %r already exists, ignored", plugin, command.name)
                        else:
                            self._from_plugins[command.name] = command
            except Exception as exc:  # a broken configuration or plugin must not hide the kernel's commands
                log.warning("plugin commands unavailable: %s", exc)
            finally:
                if config_path:
                    if previous is None:
                        os.environ.pop("RELAIS_CONFIG", None)
                    else:
                        os.environ["RELAIS_CONFIG"] = previous
        return self._from_plugins

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.plugin_commands(ctx)})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return super().get_command(ctx, name) or self.plugin_commands(ctx).get(name)


@click.group(cls=WithPluginCommands, context_settings={"help_option_names": ["-h", "--help"]},
             subcommand_metavar=SUBCOMMAND)
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


for _command in (init, migrate, serve, demo, user, token, plugins, import_annuaire, structure, delegation,
                 retention):
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
