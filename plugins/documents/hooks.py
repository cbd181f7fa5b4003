"""The document channel's hooks: its single screen (DOC-1, DOC-2), its rules, delivery through the kernel's
mail transport with an IHE XDM package, the pushes after the send, and its demo data."""
from __future__ import annotations

from typing import Any

from email.message import EmailMessage
from pathlib import Path

import click

from kernel import (GROUP_MSSANTE, Channel, ExchangeAction, ExchangePanel, FormField, JobType, MigrationSet,
                    SendContext, available_targets, hookimpl)
from kernel.models import Account, Exchange, Identity, Message, Patient

from .demo import seed
from .draft import as_json, draft_files
from .identity import identity_check_panels
from .models import DraftFile
from .incoming import read_received, received_panels, reply_action

from .outgoing import CHANNEL, INTEGRATE_JOB, deliver_documents, integrate_job, status_panels
from .printer import print_documents
from .rules import DOCUMENTS, OPTION_LABELS, OPTIONS, draft_errors
from .views import TITLE, blueprint


@hookimpl
def register_channels() -> list[Channel]:
    return [Channel(CHANNEL, "Envoyer des documents", GROUP_MSSANTE, "mail", order=20,
                    description="Envoyer des comptes rendus, lettres et prescriptions d'un patient par MSSanté, "
                                "prêts à être intégrés dans le logiciel du destinataire (IHE XDM).")]


@hookimpl
def compose_form(channel: str, account: Account | None) -> list[FormField]:
    if channel != CHANNEL:
        return []
    mssante = {"kind": "mssante"}
    fields = [
        FormField("recipients", "person", "Destinataires", required=True, many=True, order=10, options=mssante,
                  placeholder="Nom, spécialité, service, ou adresse MSSanté…",
                  help="Professionnels et structures ayant une adresse MSSanté."),
        FormField("patient", "patient", "Patient", required=True, order=20,
                  help="Les documents portent son identité (INS quand elle est qualifiée), pour être rangés dans "
                       "son dossier chez le destinataire."),
        # The virtual printer's draft (DOC-5) fills the screen: what « relais print » sent is already attached.
        FormField("attachments", "attachments", "Documents (PDF)", required=True, order=30,
                  default=[as_json(a) for a in draft_files(account)] if account is not None else None,
                  help="Des documents PDF : un document scanné ou une image s'impriment d'abord en PDF "
                       "(« relais print » le fait pour vous)."),
        FormField(DOCUMENTS, "fieldset", TITLE, order=35,
                  options={"url": "/documents/champs", "watch": ["attachments"]}),
    ]
    targets = available_targets(account) if account is not None else {}
    for order, (name, target) in enumerate(OPTIONS.items()):
        if target in targets:  # DOC-2: offered only when a connector serves it for this user
            fields.append(FormField(name, "checkbox", OPTION_LABELS[name], order=50 + order))
    return fields


@hookimpl
def validate(channel: str, draft: dict[str, Any], account: Account, acting_as: Identity,
             exchange: Exchange | None) -> dict[str, list[str]] | None:
    if channel != CHANNEL:
        return None
    return draft_errors(draft, account, acting_as, new=exchange is None) or None


@hookimpl
def deliver(channel: str, exchange: Exchange, message: Message | None, draft: dict[str, Any],
            context: SendContext) -> bool | None:
    if channel != CHANNEL:
        return None
    deliver_documents(exchange, message, draft, context)
    return True


@hookimpl
def register_jobs() -> list[JobType]:
    return [JobType(INTEGRATE_JOB, integrate_job, max_attempts=5, backoff_seconds=60.0)]


@hookimpl
def register_blueprints() -> list[Any]:
    return [blueprint]


@hookimpl
def mail_received(exchange: Exchange, message: Message, mail: EmailMessage, created: bool) -> None:
    # An IHE XDM document mail, whatever channel files it: its patient, its documents, its subject.
    read_received(exchange, message, mail, created)


@hookimpl
def exchange_panels(exchange: Exchange) -> list[ExchangePanel]:
    # A received document: what it is and whom it is about, or the identity to check before choosing.
    return received_panels(exchange) + identity_check_panels(exchange) + status_panels(exchange)


@hookimpl
def exchange_actions(exchange: Exchange, account: Account) -> list[ExchangeAction]:
    return reply_action(exchange, account)


@hookimpl
def register_models() -> list[type]:
    return [DraftFile]


@hookimpl
def register_migrations() -> list[MigrationSet]:
    return [MigrationSet(CHANNEL, Path(__file__).parent / "migrations")]


@hookimpl
def register_commands() -> list[click.Command]:
    return [print_documents]


@hookimpl
def seed_demo(accounts: dict[str, Account], patients: list[Patient]) -> None:
    seed(accounts, patients)
