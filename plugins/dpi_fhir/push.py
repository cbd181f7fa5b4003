"""The push job: one DocumentReference (or a Binary and its DocumentReference, in one transaction) per
integration, posted to the instance's endpoint, the answer reported to the kernel.

Enqueued by ``integrate`` in the transaction that records the push (transactional outbox). Every attempt
carries the same identifier (``masterIdentifier``) and asks a conditional create (``If-None-Exist``), so
a push retried after a lost answer is stored once. 201/200: intégré; an OperationOutcome with a 4xx:
échec with its diagnostics; no answer, 408, 429, 5xx: tried again with backoff, then échec.
"""
from __future__ import annotations

import logging
from typing import Any

from flask import current_app

from kernel import current_relais, report_integration
from kernel.models import Account, Attachment, Integration, Patient

from . import client
from .instances import BINARY, Instance, instances
from .resources import (PUSH_ID_SYSTEM, Author, PushedDocument, Subject, binary, document_reference, outcome_text,
                        push_identifier, transaction)

log = logging.getLogger(__name__)

PUSH_JOB = "dpi_fhir.push"
DEMO_ENDPOINT = "dpi_fhir.demo_endpoint"  # app.extensions key of the demo's running test endpoint
MAX_ATTEMPTS = 6


def push(payload: dict[str, Any]) -> None:
    row = Integration.get_or_none(Integration.id == payload["integration"])
    if row is None or row.state != "en_attente":
        return  # already integrated or given up: a job that runs twice changes nothing
    instance = instances().get(row.connector)
    if instance is None:
        report_integration(row.id, False, "Ce logiciel n'est plus raccordé à la plateforme : prévenez votre "
                                          "administrateur.")
        return
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
    try:
        answer = client.post(url, body, timeout=instance.timeout_seconds, token=instance.token,
                             ca_file=instance.ca_file, cert_file=instance.cert_file, key_file=instance.key_file,
                             headers=headers)
    except client.Untrusted as exc:
        log.error("dpi_fhir: integration %s to %s: %s", row.id, instance.connector_name, exc)
        report_integration(row.id, False, f"Le certificat de {instance.label} n'est pas celui attendu : prévenez "
                                          "votre administrateur.")
        return
    except client.Unreachable as exc:
        log.warning("dpi_fhir: integration %s to %s: %s", row.id, instance.connector_name, exc)
        report_integration(row.id, None, f"{instance.label} ne répond pas pour l'instant : nouvel essai "
                                         "automatique dans quelques instants…")
        raise  # the job runner tries again with backoff
    if answer.status in (200, 201):
        report_integration(row.id, True, f"Document intégré dans {instance.label}.", _reference(answer))
    elif answer.status in (401, 403):
        report_integration(row.id, False, f"{instance.label} a refusé l'accès de la plateforme (authentification) : "
                                          "prévenez votre administrateur.")
    else:
        reason = outcome_text(answer.body) or f"erreur HTTP {answer.status}"
        report_integration(row.id, False, f"{instance.label} a refusé le document : {reason}")


def give_up(payload: dict[str, Any], error: str) -> None:
    row = Integration.get_or_none(Integration.id == payload["integration"])
    found = instances().get(row.connector) if row else None
    label = found.label if found else "Le logiciel"
    report_integration(payload["integration"], False, f"{label} n'a pas répondu malgré plusieurs essais : "
                                                      "réessayez plus tard ou prévenez votre administrateur.")


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
