"""``relais retention``: what the retention periods (setting ``retention_days``) would purge, and the purge now,
as the daily job ``kernel.purge_expired_exchanges`` does it (same code, same audit line)."""
from __future__ import annotations

from typing import Callable, TypeVar

import click

from ..services.retention import RetentionMisconfigured, preview, purge_expired
from .common import SUBCOMMAND, Fail, effective_config, open_platform, table


T = TypeVar("T")


def _days(days: int) -> str:
    return "sans limite" if days <= 0 else f"{days} jours"


def _on_platform(step: Callable[[], T]) -> T:
    """Run one step of the retention service on the platform; a misconfigured period is the command's error."""
    config = effective_config(quiet=True)
    with open_platform(config, require_current=True):
        try:
            return step()
        except RetentionMisconfigured as exc:
            raise Fail(str(exc)) from None


@click.group(subcommand_metavar=SUBCOMMAND)
def retention() -> None:
    """Durée de conservation des échanges : ce qui a expiré, et la purge."""


@retention.command("show")
def retention_show() -> None:
    """Afficher par canal la durée de conservation et les échanges déjà expirés, sans rien supprimer."""
    rows = _on_platform(preview)
    if not rows:
        click.echo("Aucun échange sur la plateforme.")
        return
    click.echo(table(("Canal", "Conservation", "Échanges expirés"), [(c, _days(d), n) for c, d, n in rows]))
    if any(n for _, _, n in rows):
        click.echo("\nLa tâche quotidienne les supprimera (vers 03:29 UTC), ou maintenant : relais retention run --oui")


@retention.command("run")
@click.option("--oui", "confirmed", is_flag=True, help="Confirmer la suppression (sinon rien n'est fait).")
def retention_run(confirmed: bool) -> None:
    """Supprimer maintenant les échanges expirés, leurs messages et leurs pièces jointes (tracé au journal)."""
    if not confirmed:
        raise Fail("rien n'a été supprimé : ajoutez --oui pour confirmer (voyez d'abord « relais retention show »).")
    done = _on_platform(purge_expired)
    if not done:
        click.echo("Aucun échange n'avait expiré : rien n'a été supprimé.")
        return
    click.echo(table(("Canal", "Échanges", "Messages", "Pièces jointes", "Fichiers"),
                     [(c, n.exchanges, n.messages, n.attachments, n.files) for c, n in sorted(done.items())]))
