"""``relais plugins``: which extensions are loaded, failed, not installed or available."""
from __future__ import annotations

import json

import click

from .common import effective_config, open_platform, table

STATUS_FRENCH = {"loaded": "chargé", "failed": "en échec", "not installed": "non installé", "available": "disponible"}


@click.command()
@click.option("--json", "as_json", is_flag=True,
              help="Rapport en JSON (clés name, status, source, error ; états en anglais).")
def plugins(as_json: bool) -> None:
    """Lister les extensions : chargées, en échec, non installées ou disponibles."""
    config = effective_config(quiet=True)
    with open_platform(config) as app:
        report = app.extensions["relais"].report
    # Exit status 0 even with failures: the platform starts without them, and this command reports.
    if as_json:
        click.echo(json.dumps([p.as_json() for p in report.plugins], ensure_ascii=False, indent=2))
        return
    rows = [(p.name, STATUS_FRENCH.get(p.status, p.status), p.source, p.error) for p in report.plugins]
    click.echo(table(("Extension", "État", "Source", "Erreur"), rows))
    failed = [p for p in report.plugins if p.status in ("failed", "not installed")]
    for p in failed:
        what = "n'est pas installée" if p.status == "not installed" else "n'a pas pu être chargée"
        click.echo(f"Attention : l'extension « {p.name} » {what} ; la plateforme démarre sans elle. "
                   "Corrigez-la ou retirez-la du réglage « plugins ».", err=True)
