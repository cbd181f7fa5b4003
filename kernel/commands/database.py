"""``relais init`` and ``relais migrate``: the data folder and the database schema."""
from __future__ import annotations

from pathlib import Path

import click
from flask import Flask

from ..app import apply_migrations
from ..models import Account
from .common import Fail, counted, describe_database, effective_config, open_platform, waiting_migrations


@click.command()
@click.pass_context
def init(ctx: click.Context) -> None:
    """Créer le dossier des données et la base de données, ou la mettre à jour."""
    config = effective_config(quiet=True)
    try:
        Path(config["data_dir"]).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise Fail(f"impossible de créer le dossier des données « {config['data_dir']} » : {exc.strerror}.") from exc
    with open_platform(config) as app:
        complete = _migrate_and_report(app)
        has_accounts = Account.select().exists()
    click.echo(f"Dossier des données : {config['data_dir']}")
    click.echo(f"Base de données : {describe_database(config['database_url'])}")
    if not has_accounts:
        click.echo("Créez maintenant un premier compte administrateur : relais user create --login IDENTIFIANT "
                   "--first-name PRÉNOM --last-name NOM --admin")
    if not complete:
        ctx.exit(1)


@click.command()
@click.option("--check", is_flag=True,
              help="Lister les migrations en attente sans les appliquer (code de sortie 1 s'il y en a).")
@click.pass_context
def migrate(ctx: click.Context, check: bool) -> None:
    """Appliquer les migrations de la base de données en attente."""
    config = effective_config(quiet=True)
    with open_platform(config) as app:
        up_to_date = _report_waiting(app) if check else _migrate_and_report(app)
    if not up_to_date:
        ctx.exit(1)


def _report_waiting(app: Flask) -> bool:
    """Say which migrations are pending, applying none; False when there are some."""
    relais = app.extensions["relais"]
    waiting = waiting_migrations(relais, relais.migration_sets())
    if not waiting:
        click.echo("La base de données est à jour.")
        return True
    click.echo(f"{counted(len(waiting), 'migration en attente', 'migrations en attente')} :")
    for namespace, name in waiting:
        click.echo(f"  {namespace} : {name}")
    click.echo("Appliquez-les avec « relais migrate ».")
    return False


def _migrate_and_report(app: Flask) -> bool:
    """Apply what is pending the way every app start does (one plugin's failing migration takes only
    that plugin out) and say which; False when a plugin had to be taken out."""
    relais = app.extensions["relais"]
    outcome = apply_migrations(relais)
    if not outcome.applied:
        click.echo("Aucune migration à appliquer : la base de données est à jour.")
    else:
        click.echo(f"{counted(len(outcome.applied), 'migration appliquée', 'migrations appliquées')} :")
        for namespace, name in outcome.applied:
            click.echo(f"  {namespace} : {name}")
    errors = {p.name: p.error for p in relais.report.plugins}
    for name in outcome.dropped:
        click.echo(f"Attention : l'extension « {name} » est écartée ({errors.get(name, '')}) ; la plateforme "
                   "démarrera sans elle. Corrigez-la puis relancez « relais migrate ».", err=True)
    return not outcome.dropped
