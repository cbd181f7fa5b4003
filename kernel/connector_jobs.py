"""The frame of a connector plugin's push job (DPI-1): every connector enqueues it alike, finds the push still
pending and its instance, and reports an untrusted or silent software alike; only sending and reading the answer
are its own."""
from __future__ import annotations

import logging
from typing import Any, Callable, Mapping

from .integration import IntegrationReceipt
from .models.integration import PENDING, Integration
from .relais import current_relais
from .services.integration import report_integration

log = logging.getLogger(__name__)

UNTRACKED = "Envoi impossible hors du suivi des envois de la plateforme."
UNDER_WAY = "Envoi en cours vers {label}…"
GONE = "Ce logiciel n'est plus raccordé à la plateforme : prévenez votre administrateur."
UNTRUSTED = "Le certificat de {label} n'est pas celui attendu : prévenez votre administrateur."
UNREACHABLE = "{label} ne répond pas pour l'instant : nouvel essai automatique dans quelques instants…"
GAVE_UP = "{label} n'a pas répondu malgré plusieurs essais : réessayez plus tard ou prévenez votre administrateur."


class SoftwareUnreachable(ConnectionError):
    """No answer (refused, reset, timed out), or one saying to come back: the job tries again later."""


class SoftwareUntrusted(ConnectionError):
    """The software's certificate is not the one expected: no retry will fix it, the deployer must."""


def enqueue_push(job: str, target: str, integration: Integration | None, label: str) -> IntegrationReceipt:
    """From a connector's ``integrate``: enqueue its push job for the integration, in the transaction that records
    the push (transactional outbox: the job exists exactly when the push does); the receipt says it is under way.
    Without an integration (asked outside the kernel's push) nothing could follow the outcome: refused."""
    if integration is None:
        return IntegrationReceipt(target, False, UNTRACKED)
    current_relais().jobs.enqueue(job, {"integration": integration.id})
    return IntegrationReceipt(target, True, UNDER_WAY.format(label=label), pending=True)


def run_push(payload: dict[str, Any], instances: Callable[[], Mapping[str, Any]],
             send: Callable[[Integration, Any], None]) -> None:
    """Run one attempt of the push ``payload["integration"]`` names: ``send(row, instance)`` sends the document
    to the instance (``instances()[row.connector]``, with a ``label``) and reports the software's answer.

    A push no longer pending is left alone (a job that runs twice changes nothing); a connector no longer
    configured fails it; SoftwareUntrusted fails it; SoftwareUnreachable is reported and raised again, for the
    job runner to try later."""
    row = Integration.get_or_none(Integration.id == payload["integration"])
    if row is None or row.state != PENDING:
        return
    instance = instances().get(row.connector)
    if instance is None:
        report_integration(row.id, False, GONE)
        return
    try:
        send(row, instance)
    except SoftwareUntrusted as exc:
        log.error("integration %s to %s: %s", row.id, row.connector, exc)
        report_integration(row.id, False, UNTRUSTED.format(label=instance.label))
    except SoftwareUnreachable as exc:
        log.warning("integration %s to %s: %s", row.id, row.connector, exc)
        report_integration(row.id, None, UNREACHABLE.format(label=instance.label))
        raise


def give_up_push(payload: dict[str, Any], instances: Callable[[], Mapping[str, Any]]) -> None:
    """The retries ran out (a push job's ``on_exhausted``): the push fails, and the user may try again."""
    row = Integration.get_or_none(Integration.id == payload["integration"])
    found = instances().get(row.connector) if row else None
    report_integration(payload["integration"], False, GAVE_UP.format(label=found.label if found else "Le logiciel"))
