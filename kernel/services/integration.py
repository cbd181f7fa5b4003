"""Pushing a document into hospital software through the connectors' ``integrate`` hook (DPI-1, CONV-11).

Every push is an ``Integration`` row written before the connector is asked, in the same transaction as
whatever the connector writes (its job: transactional outbox), so a push is never lost nor sent twice
unrecorded. The kernel alone changes a row's state: from the connector's receipt, then from
``report_integration``, which a connector's job calls with the software's answer. Each change is audited
and pushed live to the account that pushed (``integration.status``).
"""
from __future__ import annotations

import logging
from typing import Any

from ..db import utcnow, write_transaction
from ..integration import TARGETS, Connector, IntegrationReceipt
from ..models import Account, Attachment, Exchange, Identity, Patient
from ..models.integration import FAILED, INTEGRATED, PENDING, Integration
from ..relais import current_relais
from .acting_as import identity_ids
from .consultations import record_push
from .events import Event, publish_on_commit

log = logging.getLogger(__name__)
STATUS_EVENT = "integration.status"
_BROKEN = "Le connecteur de ce logiciel a rencontré une erreur : prévenez votre administrateur."
_UNANSWERED = "Le logiciel n'a pas répondu à la demande : réessayez ou prévenez votre administrateur."


class NoConnector(LookupError):
    """No enabled connector answers for the target; ``message`` says so in French."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


DOCUMENT_GONE = "Ce document a été supprimé : il ne peut plus être envoyé."


class NotRetryable(RuntimeError):
    """Only a failed push can be tried again; ``message`` says why in French."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def available_connectors(account: Account, target: str | None = None) -> list[Connector]:
    """The connector instances ``account`` may push into, by label: those open to every account, and those
    of a structure (by FINESS) the account belongs to or acts for. ``target`` keeps those serving it
    (``"logiciel"``, ``"dossier_regional"``, ``"dmp"``)."""
    connectors = current_relais().connectors.values()
    if target is not None:
        connectors = [c for c in connectors if target in c.targets]
    if any(c.structures for c in connectors):
        finess = {i.finess for i in Identity.select(Identity.finess)
                  .where(Identity.id.in_(identity_ids(account.id)) & Identity.finess.is_null(False))}
        connectors = [c for c in connectors if not c.structures or finess & set(c.structures)]
    return sorted(connectors, key=lambda c: c.label.lower())


def available_targets(account: Account) -> dict[str, list[Connector]]:
    """For each target (``logiciel``...), the instances ``account`` may use; targets without any are left out."""
    found: dict[str, list[Connector]] = {}
    for connector in available_connectors(account):
        for target in connector.targets:
            if target in TARGETS:
                found.setdefault(target, []).append(connector)
    return found


def integrate_document(document: Attachment, patient: Patient | None, target: str, account: Account,
                       exchange: Exchange | None = None, destination: str | None = None
                       ) -> tuple[Integration, list[IntegrationReceipt]]:
    """Record a push of ``document`` into the connector named ``target`` and ask it; raise NoConnector
    when the account has no such connector. Returns the row (its state set from the receipts) and them."""
    relais = current_relais()
    if not relais.connectors:
        raise NoConnector("Aucun logiciel métier n'est raccordé à la plateforme : demandez à votre "
                          "administrateur d'activer un connecteur.")
    connector = relais.connectors.get(target)
    if connector is None or connector not in available_connectors(account):
        raise NoConnector("Ce logiciel métier n'est pas raccordé à votre structure.")
    if destination is not None and destination not in connector.targets:
        raise NoConnector(f"{connector.label} ne reçoit pas de documents pour cette destination.")
    with write_transaction():
        row = Integration.create(attachment=document.id, patient=patient.id if patient else None,
                                 exchange=exchange.id if exchange else None, account=account.id,
                                 target=destination or connector.targets[0], connector=connector.name)
        receipts = _ask(row, document, patient, account, exchange)
    _consulted(row, account)
    return row, receipts


def retry_integration(row: Integration, account: Account) -> list[IntegrationReceipt]:
    """Ask the connector again for a failed push (same row: a software deduplicating by our id sees one
    document); raise NotRetryable when the push is not in failure, NoConnector when its connector is no
    longer open to the account."""
    connector = current_relais().connectors.get(row.connector)
    if connector is None or connector not in available_connectors(account):
        raise NoConnector("Ce logiciel métier n'est plus raccordé à votre structure : demandez à votre "
                          "administrateur.")
    with write_transaction():
        # Claimed by a conditional update, so two clicks cannot start two pushes.
        claimed = (Integration.update(state=PENDING, message="Nouvel essai en cours…", updated_at=utcnow())
                   .where((Integration.id == row.id) & (Integration.state == FAILED)).execute())
        if not claimed:
            # Gone with its document (deleted meanwhile, the push with it), or no longer in failure.
            exists = Integration.select().where(Integration.id == row.id).exists()
            raise NotRetryable("Seul un envoi en échec peut être relancé." if exists else DOCUMENT_GONE)
        row = Integration.get_by_id(row.id)
        document = Attachment.get_or_none(Attachment.id == row.attachment_id)
        if document is None:  # deleted by a transaction that committed after our claim's snapshot
            raise NotRetryable(DOCUMENT_GONE)
        patient = Patient.get_or_none(Patient.id == row.patient_id) if row.patient_id else None
        exchange = Exchange.get_or_none(Exchange.id == row.exchange_id) if row.exchange_id else None
        receipts = _ask(row, document, patient, account, exchange, retry=True)
    _consulted(row, account)
    return receipts


def _consulted(row: Integration, account: Account) -> None:
    # A file pushed is read out of the platform, into software where the account reads it: « Qui a consulté ? »
    # counts it as its download is. Not a push that failed at once (a broken connector, a refusal): the account
    # has not got the file there. Once the push is committed: this node's memory of the line must not outlive it.
    if row.state != FAILED:
        record_push(account, row.attachment_id)


def _ask(row: Integration, document: Attachment, patient: Patient | None, account: Account,
         exchange: Exchange | None, retry: bool = False) -> list[IntegrationReceipt]:
    relais = current_relais()
    try:
        with write_transaction():  # a savepoint: what a failing connector wrote goes, the push's record stays
            answers = relais.pm.hook.integrate(document=document, patient=patient, target=row.connector,
                                               account=account, exchange=exchange, integration=row)
    except Exception:
        log.exception("connector %s failed on integration %s", row.connector, row.id)
        answers = [IntegrationReceipt(row.connector, False, _BROKEN)]
    receipts = [r for r in answers if r is not None]
    failed = [r for r in receipts if not r.ok]
    if not receipts or failed:
        state, message = FAILED, "; ".join(r.message for r in failed) or _UNANSWERED
    elif any(r.pending for r in receipts):
        state, message = PENDING, receipts[0].message
    else:
        state, message = INTEGRATED, receipts[0].message
    reference = next((r.reference for r in receipts if r.reference), row.reference)
    _set(row, state, message, reference, account_id=account.id, counts_attempt=state != PENDING,
         action="document.integrate.retry" if retry else "document.integrate")
    return receipts


def report_integration(integration_id: int, ok: bool | None, message: str, reference: str = "") -> Integration | None:
    """What a connector's job learnt from the software: ``ok`` True (integrated), False (refused: the user
    sees ``message``, in French, and may try again) or None (a transient failure: still pending, the job
    will try again). Audited and pushed live. A push already integrated stays so (a late duplicate answer
    changes nothing). Returns the row, or None if it no longer exists. Since 0.3."""
    with write_transaction():
        row = Integration.get_or_none(Integration.id == integration_id)
        if row is None or row.state == INTEGRATED:
            return row
        state = PENDING if ok is None else INTEGRATED if ok else FAILED
        _set(row, state, message, reference or row.reference, account_id=row.account_id, counts_attempt=True,
             action="document.integrate.result")
        return row


def _set(row: Integration, state: str, message: str, reference: str, *, account_id: int,
         counts_attempt: bool, action: str) -> None:
    now = utcnow()
    row.state, row.message, row.reference, row.updated_at = state, message[:2000], reference[:200], now
    if counts_attempt:
        row.attempts += 1
    if state == INTEGRATED:
        row.integrated_at = now
    row.save()
    current_relais().audit.record(
        action, account_id=account_id, target=f"attachment:{row.attachment_id}",
        outcome={INTEGRATED: "ok", FAILED: "error"}.get(state, "pending"),
        detail=f"integration={row.id} connector={row.connector} target={row.target} state={state}",
        reason=message[:500] if state == FAILED else "")
    publish_on_commit(Event(STATUS_EVENT, row.exchange_id, (row.account_id,), serialize(row)))


def serialize(row: Integration) -> dict[str, Any]:
    from ..schemas import shared
    from ..schemas.integration import IntegrationSchema

    return shared(IntegrationSchema).dump(row)
