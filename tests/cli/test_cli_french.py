"""The command speaks French: its own help and messages, and click's messages through our catalog."""
from __future__ import annotations

import inspect
import re
import string

import click
import pytest

from kernel.commands import cli
from kernel.commands.french import CLICK_FRENCH, CLICK_MODULES

CLICK_SOURCE = "".join(inspect.getsource(m) for m in CLICK_MODULES)


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("english", sorted(CLICK_FRENCH))
def test_every_translated_message_still_exists_in_click(english: str) -> None:
    # If click rewords a message, our catalog silently stops applying: fail here instead.
    assert f'"{english}"' in CLICK_SOURCE


@pytest.mark.parametrize("english, french", sorted(CLICK_FRENCH.items()))
def test_translations_only_use_the_placeholders_click_fills(english: str, french: str) -> None:
    assert fields(french) <= fields(english)


def all_commands(group: click.Group = cli, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    found = [(path, group)]
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found += all_commands(command, (*path, name))
        else:
            found.append(((*path, name), command))
    return found


@pytest.mark.parametrize("path, command", all_commands(), ids=lambda v: " ".join(v) if isinstance(v, tuple) else "")
def test_every_command_and_option_has_french_help(run, path: tuple[str, ...], command: click.Command) -> None:
    result = run(*path, "--help")

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Utilisation : relais")
    assert "Afficher cette aide et quitter." in result.stdout
    for english in ("Show this message", "Usage:", "[required]", "default:", "COMMAND "):
        assert english not in result.stdout
    # click's own metavars, as whole words: the French « TEXTE » is not its « TEXT ».
    assert not re.search(r"\b(TEXT|INTEGER|PATH|RANGE)\b", result.stdout)
    assert command.help, f"relais {' '.join(path)} has no help text"
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"option {param.opts} of relais {' '.join(path)} has no help text"


def test_unknown_command_is_reported_in_french(run) -> None:
    result = run("servir")

    assert result.exit_code == 2
    assert "Commande inconnue : 'servir'." in result.stderr
    assert "(Vouliez-vous dire : 'serve', 'user' ?)" in result.stderr
