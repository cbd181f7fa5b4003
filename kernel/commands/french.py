"""click's own messages (usage, errors, help labels) in French for the ``relais`` command."""
from __future__ import annotations

import click.core
import click.decorators
import click.exceptions
import click.formatting
import click.parser
import click.termui
import click.types

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
CLICK_MODULES = (click.core, click.decorators, click.exceptions, click.formatting, click.parser, click.termui,
                 click.types)


def _french(message: str) -> str:
    return CLICK_FRENCH.get(message, message)


def _french_plural(singular: str, plural: str, n: int) -> str:
    return _french(singular if n == 1 else plural)


def use_french_messages() -> None:
    """Make click speak French in this process (idempotent)."""
    for module in CLICK_MODULES:
        if hasattr(module, "_"):
            module._ = _french  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = _french_plural  # type: ignore[attr-defined]
