"""The dpi_fhir plugin's hooks: one connector per configured FHIR endpoint, each push sent as a persisted job."""
from __future__ import annotations

from typing import Any

from kernel import Connector, IntegrationReceipt, JobType, current_relais, enqueue_push, hookimpl
from kernel.models import Account, Attachment, Integration, Patient

from .demo import DemoEndpoint
from .instances import instances
from .push import MAX_ATTEMPTS, PUSH_JOB, give_up, push


@hookimpl
def register_connectors() -> list[Connector]:
    return [i.connector() for i in instances().values()]


@hookimpl
def integrate(document: Attachment, patient: Patient | None, target: str, account: Account,
              integration: Integration | None) -> IntegrationReceipt | None:
    instance = instances().get(target)
    if instance is None:
        return None
    if patient is None:
        return IntegrationReceipt(target, False, "Choisissez le patient de ce document : le dossier range chaque "
                                                 "document dans celui d'un patient.")
    if not (patient.qualified and patient.ins):
        return IntegrationReceipt(target, False, f"{instance.label} n'accepte que les patients à l'identité "
                                                 "qualifiée (INS) : qualifiez l'identité du patient d'abord.")
    return enqueue_push(PUSH_JOB, target, integration, instance.label)


@hookimpl
def register_jobs() -> list[JobType]:
    return [JobType(PUSH_JOB, push, max_attempts=MAX_ATTEMPTS, backoff_seconds=30.0, on_exhausted=give_up)]


@hookimpl
def register_services() -> list[Any]:
    demo = current_relais().config.get("demo") and any(not i.base_url for i in instances().values())
    return [DemoEndpoint()] if demo else []
