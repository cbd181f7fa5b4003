"""Pushing a document into hospital software through the connectors' ``integrate`` hook."""
from __future__ import annotations

from ..integration import IntegrationReceipt
from ..models import Account, Attachment, Exchange, Patient
from ..relais import current_relais


class NoConnector(LookupError):
    """No enabled connector answers for the target; ``message`` says so in French."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def integrate_document(document: Attachment, patient: Patient | None, target: str, account: Account,
                       exchange: Exchange | None = None) -> list[IntegrationReceipt]:
    relais = current_relais()
    if not relais.connectors:
        raise NoConnector("Aucun logiciel métier n'est raccordé à la plateforme : demandez à votre "
                          "administrateur d'activer un connecteur.")
    if target not in relais.connectors:
        raise NoConnector("Ce logiciel métier n'est pas raccordé à la plateforme.")
    receipts = [r for r in relais.pm.hook.integrate(document=document, patient=patient, target=target,
                                                    account=account, exchange=exchange) if r is not None]
    ok = bool(receipts) and all(r.ok for r in receipts)
    relais.audit.record("document.integrate", account_id=account.id, target=f"attachment:{document.id}",
                        outcome="ok" if ok else "error", detail=f"connector={target}",
                        reason="; ".join(r.message for r in receipts if not r.ok)[:500])
    return receipts
