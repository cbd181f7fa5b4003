"""``relais delegation``: grant, withdraw and list delegations (who may act for a professional or a structure),
with the same rules, audit lines and immediate effect as the profile page (kernel/services/delegations.py)."""
from __future__ import annotations

import click

from ..models import Account, Delegation, Identity
from ..models.identity import STRUCTURE
from ..services import delegations
from .common import SUBCOMMAND, Fail, counted, effective_config, open_platform, table

SCOPE_HELP = ("Portée : « mail » (Messagerie sécurisée uniquement) ou « all » (Messagerie et conversations).")


@click.group(subcommand_metavar=SUBCOMMAND)
def delegation() -> None:
    """Gérer les délégations : qui peut agir au nom d'un professionnel ou d'une structure."""


def _account(login: str, what: str) -> Account:
    account = Account.get_or_none(Account.login == login.strip())
    if account is None:
        raise Fail(f"aucun compte n'a l'identifiant « {login} » ({what}) : vérifiez-le avec « relais user list ».")
    return account


def _principal(login: str | None, structure_id: int | None) -> Identity:
    if (login is None) == (structure_id is None):
        raise Fail("indiquez pour qui agir : --for IDENTIFIANT (un professionnel) ou --structure NUMÉRO, "
                   "l'un des deux.")
    if login is not None:
        return _account(login, "--for").identity
    found = Identity.get_or_none((Identity.id == structure_id) & (Identity.kind == STRUCTURE))
    if found is None:
        raise Fail(f"aucune structure n'a le numéro {structure_id} : vérifiez-le avec « relais structure list ».")
    return found


def _in_force(principal: Identity, delegate: Account) -> Delegation | None:
    found = delegations.search(person=delegate.id, structure=principal.id, limit=1)
    return found.delegations[0] if found.delegations else None


_FOR = click.option("--for", "principal_login", metavar="IDENTIFIANT",
                    help="Le professionnel au nom de qui agir (son identifiant de connexion).")
_STRUCTURE = click.option("--structure", "structure_id", type=int, metavar="NUMÉRO",
                          help="La structure au nom de qui agir (son numéro, voir « relais structure list »).")
_DELEGATE = click.option("--delegate", "delegate_login", required=True, metavar="IDENTIFIANT",
                         help="Qui pourra agir (son identifiant de connexion).")


@delegation.command("grant")
@_FOR
@_STRUCTURE
@_DELEGATE
@click.option("--scope", type=click.Choice([s for s, _ in delegations.SCOPES]), default=delegations.SCOPE_ALL,
              show_default=True, help=SCOPE_HELP)
def delegation_grant(principal_login: str | None, structure_id: int | None, delegate_login: str, scope: str) -> None:
    """Permettre à un compte d'agir au nom d'un professionnel ou d'une structure (ou changer la portée)."""
    config = effective_config(quiet=True)
    with open_platform(config, require_current=True):
        principal = _principal(principal_login, structure_id)
        delegate = _account(delegate_login, "--delegate")
        try:
            row = delegations.grant(principal, delegate, scope, granted_by=None)
        except delegations.DelegationRefused as exc:
            raise Fail(f"la délégation n'est pas accordée : {exc.message[:1].lower() + exc.message[1:]}") from None
        click.echo(f"Délégation n° {row.id} : {delegate.full_name} peut agir au nom de {principal.display_name} "
                   f"({delegations.scope_label(scope).lower()}).")


@delegation.command("withdraw")
@click.option("--id", "delegation_id", type=int, metavar="NUMÉRO", help="Le numéro de la délégation.")
@_FOR
@_STRUCTURE
@click.option("--delegate", "delegate_login", metavar="IDENTIFIANT", help="Qui ne pourra plus agir.")
def delegation_withdraw(delegation_id: int | None, principal_login: str | None, structure_id: int | None,
                        delegate_login: str | None) -> None:
    """Retirer une délégation : le délégué perd aussitôt l'accès, pages ouvertes comprises."""
    config = effective_config(quiet=True)
    with open_platform(config, require_current=True):
        if delegation_id is not None:
            row = delegations.one(delegation_id)
        elif delegate_login is not None:
            row = _in_force(_principal(principal_login, structure_id), _account(delegate_login, "--delegate"))
        else:
            raise Fail("indiquez la délégation : --id NUMÉRO, ou --delegate avec --for ou --structure.")
        if row is None or row.revoked_at is not None or not delegations.withdraw(row, by=None):
            raise Fail("aucune délégation en cours ne correspond : vérifiez avec « relais delegation list ».")
        click.echo(f"Délégation n° {row.id} retirée : {row.delegate.full_name} n'agit plus au nom de "
                   f"{row.principal.display_name}.")


@delegation.command("list")
@click.option("--login", metavar="IDENTIFIANT", help="Seulement celles d'un compte (données ou reçues).")
@click.option("--structure", "structure_id", type=int, metavar="NUMÉRO", help="Seulement celles d'une structure.")
@click.option("--withdrawn", is_flag=True, help="Inclure les délégations retirées.")
def delegation_list(login: str | None, structure_id: int | None, withdrawn: bool) -> None:
    """Lister les délégations, les plus récentes d'abord."""
    config = effective_config(quiet=True)
    with open_platform(config, require_current=True):
        person = _account(login, "--login").id if login else None
        found = delegations.search(person=person, structure=structure_id, include_withdrawn=withdrawn, limit=10_000)
        rows = [(d.id, d.principal.display_name, d.delegate.full_name, d.delegate.login,
                 delegations.scope_label(d.scope), delegations.state_label(d), d.granted_at.strftime("%d/%m/%Y"),
                 d.revoked_at.strftime("%d/%m/%Y") if d.revoked_at else "") for d in found.delegations]
    if not rows:
        click.echo("Aucune délégation.")
        return
    click.echo(table(("N°", "Au nom de", "Délégué", "Identifiant", "Portée", "État", "Accordée le", "Retirée le"),
                     rows))
    click.echo(counted(found.total, "délégation", "délégations") + ".")
