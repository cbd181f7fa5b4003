"""The push job: one DocumentReference (or a Binary and its DocumentReference, in one transaction) per
integration, posted to the instance's endpoint, the answer reported to the kernel.

Enqueued by ``integrate`` in the transaction that records the push (transactional outbox). Every attempt
carries the same identifier (``masterIdentifier``) and asks a conditional create (``If-None-Exist``), so
a push retried after a lost answer is stored once. 201/200: intégré; an OperationOutcome with a 4xx:
échec with its diagnostics; no answer, 408, 429, 5xx: tried again with backoff, then échec.
"""
from __future__ import annotations

from typing import Any

from flask import current_app

from kernel import current_relais, give_up_push, report_integration, run_push
from kernel.models import Account, Attachment, Integration, Patient

from . import client
from .instances import BINARY, Instance, instances
from .resources import (PUSH_ID_SYSTEM, Author, PushedDocument, Subject, binary, document_reference, outcome_text,
                        push_identifier, transaction)


PUSH_JOB = "dpi_fhir.push"
DEMO_ENDPOINT = "dpi_fhir.demo_endpoint"  # app.extensions key of the demo's running test endpoint
MAX_ATTEMPTS = 6


def push(payload: dict[str, Any]) -> None:
    run_push(payload, instances, _send)


def give_up(payload: dict[str, Any], error: str) -> None:
    give_up_push(payload, instances)


def _send(row: Integration, instance: Instance) -> None:
    identifier = push_identifier(current_relais().config["base_url"], row.id)
    document, subject, author = _document(row)
    reference = document_reference(document, subject, author, identifier=identifier, type_code=instance.type_code,
                                   type_display=instance.type_display, custodian_finess=instance.custodian_finess)
    base = _base_url(instance)
    if instance.content == BINARY:
        url, body = base, transaction(reference, binary(document), identifier).model_dump_json(exclude_none=True)
        headers = {}
    else:
        url, body = f"{base}/DocumentReference", reference.model_dump_json(exclude_none=True)
        headers = {"If-None-Exist": f"identifier={PUSH_ID_SYSTEM}|{identifier}"}
    answer = client.post(url, body, timeout=instance.timeout_seconds, token=instance.token,
                         ca_file=instance.ca_file, cert_file=instance.cert_file, key_file=instance.key_file,
                         headers=headers)
    if answer.status in (200, 201):
        report_integration(row.id, True, f"Document intégré dans {instance.label}.", _reference(answer))
    elif answer.status in (401, 403):
        report_integration(row.id, False, f"{instance.label} a refusé l'accès de la plateforme (authentification) : "
                                          "prévenez votre administrateur.")
    else:
        reason = outcome_text(answer.body) or f"erreur HTTP {answer.status}"
        report_integration(row.id, False, f"{instance.label} a refusé le document : {reason}")


def _reference(answer: client.Answer) -> str:
    """The stored DocumentReference's id: from Location, or the body (a resource or a transaction-response)."""
    if answer.location:
        return answer.location.split("/_history")[0].rsplit("/DocumentReference/", 1)[-1]
    body = answer.json() or {}
    if body.get("resourceType") == "DocumentReference":
        return str(body.get("id", ""))
    for entry in body.get("entry", []):
        location = (entry.get("response") or {}).get("location", "")
        if location.startswith("DocumentReference/"):
            return location.split("/")[1]
    return ""


def _base_url(instance: Instance) -> str:
    if instance.base_url:
        return instance.base_url
    endpoint = current_app.extensions.get(DEMO_ENDPOINT)
    if endpoint is None:
        raise client.Unreachable("the demo endpoint is not running")
    return endpoint.base_url


def _document(row: Integration) -> tuple[PushedDocument, Subject, Author]:
    attachment = Attachment.get_by_id(row.attachment_id)
    with current_relais().attachments.open(attachment) as fh:
        content = fh.read()
    patient = Patient.get_by_id(row.patient_id)
    account = Account.get_by_id(row.account_id)
    document = PushedDocument(row.id, attachment.filename, content, attachment.content_type, attachment.created_at)
    subject = Subject(patient.ins if patient.qualified else None, patient.ins_oid if patient.qualified else None,
                      f"{patient.birth_name} {patient.first_names}")
    return document, subject, Author(account.rpps, account.full_name)
