"""The push job: one MDM^T02 per integration, sent over MLLP, the software's ACK reported to the kernel.

Enqueued by ``integrate`` in the transaction that records the push (transactional outbox). The message
control id is the integration's, so every attempt (the job runner's retries, the user's « Réessayer »)
sends the same message, which the software deduplicates. A software that cannot be reached, resets the
connection or does not answer within ``ack_timeout_seconds`` is tried again with backoff; a refusal (AE,
AR) is final and shown to the user with the software's reason.
"""
from __future__ import annotations

import logging
from typing import Any

from flask import current_app

from kernel import current_relais, give_up_push, report_integration, run_push
from kernel.models import Account, Attachment, Integration, Patient

from . import mllp
from .instances import Instance, instances
from .message import Author, Document, PatientIdentity, UnreadableAck, build_mdm, parse_ack

log = logging.getLogger(__name__)

PUSH_JOB = "dpi_hl7.push"
DEMO_SOFTWARE = "dpi_hl7.demo_software"  # app.extensions key of the demo's running test software
MAX_ATTEMPTS = 6  # with 30 s backoff doubling: about 15 minutes of retries


def control_id(integration_id: int) -> str:
    return f"RELAIS-{integration_id}"


def push(payload: dict[str, Any]) -> None:
    run_push(payload, instances, _send)


def give_up(payload: dict[str, Any], error: str) -> None:
    """The retries ran out: the push ends in failure, and the user may try again."""
    give_up_push(payload, instances)


def _send(row: Integration, instance: Instance) -> None:
    message = build_mdm(*_document(row), **_header(instance))
    answer = mllp.send(instance.host, _port(instance), message, instance.ack_timeout_seconds,
                       mllp.tls_context(instance.ca_file, instance.cert_file, instance.key_file)
                       if instance.tls else None)
    try:
        ack = parse_ack(answer)
    except UnreadableAck as exc:
        log.warning("dpi_hl7: integration %s to %s: %s", row.id, instance.connector_name, exc)
        report_integration(row.id, False, f"{instance.label} a répondu de façon illisible : prévenez votre "
                                          "administrateur.")
        return
    if ack.accepted:
        report_integration(row.id, True, f"Document intégré dans {instance.label}.", control_id(row.id))
    else:
        reason = ack.text or f"code {ack.code}"
        report_integration(row.id, False, f"{instance.label} a refusé le document : {reason}")


def _port(instance: Instance) -> int:
    if instance.port is not None:
        return instance.port
    software = current_app.extensions.get(DEMO_SOFTWARE)
    if software is None:
        raise mllp.Unreachable("the demo software is not running")
    return software.port


def _document(row: Integration) -> tuple[Document, PatientIdentity, Author]:
    relais = current_relais()
    attachment = Attachment.get_by_id(row.attachment_id)
    with relais.attachments.open(attachment) as fh:
        content = fh.read()
    patient = Patient.get_by_id(row.patient_id)
    account = Account.get_by_id(row.account_id)
    document = Document(control_id(row.id), attachment.filename, content, attachment.content_type, attachment.created_at)
    identity = PatientIdentity(patient.ins if patient.qualified else None, patient.ins_oid if patient.qualified else None,
                               str(patient.id), patient.birth_name, patient.used_name, patient.first_names,
                               patient.birth_date, patient.sex)
    return document, identity, Author(account.rpps, account.last_name, account.first_name)


def _header(instance: Instance) -> dict[str, str]:
    return dict(sending_application=instance.sending_application, sending_facility=instance.sending_facility,
                receiving_application=instance.receiving_application,
                receiving_facility=instance.receiving_facility, document_type=instance.document_type,
                document_code=instance.document_code, document_code_label=instance.document_code_label)
