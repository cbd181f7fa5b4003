"""``relais token``: API access tokens for programs, shown once, listed and revoked by number."""
from __future__ import annotations

from typing import Any

import click

from ..auth.tokens import create_token, revoke_token
from ..models import Account, ApiToken
from .common import SUBCOMMAND, Fail, effective_config, open_platform, table


@click.group(subcommand_metavar=SUBCOMMAND)
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
    config = effective_config(quiet=True)
    with open_platform(config, require_current=True):
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
    config = effective_config(quiet=True)
    with open_platform(config, require_current=True):
        row = ApiToken.select(ApiToken, Account).join(Account).where(ApiToken.id == token_id).first()
        if row is None:
            raise Fail(f"aucun jeton n°{token_id} : voyez les jetons avec « relais token list ».")
        if row.revoked_at is not None:
            click.echo(f"Le jeton n°{token_id} était déjà révoqué depuis le {row.revoked_at:%d/%m/%Y à %H:%M} UTC.")
            return
        revoke_token(token_id)  # with the platform's live sockets told (rights.changed)
    click.echo(f"Jeton n°{token_id} « {row.name} » de « {row.account.login} » révoqué : "
               "les programmes qui l'utilisent sont désormais refusés.")


@token.command("list")
@click.option("--login", metavar="IDENTIFIANT", help="Seulement les jetons de ce compte.")
def token_list(login: str | None) -> None:
    """Lister les jetons d'accès (jamais leur valeur)."""
    config = effective_config(quiet=True)
    with open_platform(config, require_current=True):
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
    click.echo(table(("N°", "Compte", "Nom", "Créé (UTC)", "Dernier usage (UTC)", "État"), rows))
