"""The dpi_hl7 plugin's hooks: one connector per configured software, each push sent as a persisted job."""
from __future__ import annotations

from typing import Any

from kernel import Connector, IntegrationReceipt, JobType, current_relais, enqueue_push, hookimpl
from kernel.models import Account, Attachment, Integration, Patient

from .demo import DemoSoftware, seed
from .instances import instances
from .push import MAX_ATTEMPTS, PUSH_JOB, give_up, push

NO_PATIENT = ("Choisissez le patient de ce document : le logiciel range chaque document dans le dossier d'un "
              "patient.")


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
        return IntegrationReceipt(target, False, NO_PATIENT)
    return enqueue_push(PUSH_JOB, target, integration, instance.label)


@hookimpl
def register_jobs() -> list[JobType]:
    return [JobType(PUSH_JOB, push, max_attempts=MAX_ATTEMPTS, backoff_seconds=30.0, on_exhausted=give_up)]


@hookimpl
def register_services() -> list[Any]:
    # The demo's test software, only in the demo and only when it stands for the (absent) configured ones.
    demo = current_relais().config.get("demo") and any(i.port is None for i in instances().values())
    return [DemoSoftware()] if demo else []


@hookimpl
def seed_demo(accounts: dict[str, Account], patients: list[Patient]) -> None:
    # A document to push at once in the demo; only when this plugin stands in with its demo software.
    if current_relais().config.get("demo") and any(i.port is None for i in instances().values()):
        seed(accounts, patients)
