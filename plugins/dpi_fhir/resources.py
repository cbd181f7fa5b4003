"""The FHIR resources of a push, built and validated with fhir.resources' R4B models.

The issue asks for FHIR R4. fhir.resources 8.x defaults to R5; it ships R4B (4.3), whose DocumentReference,
Binary, Bundle and OperationOutcome are those of R4 (R4B changed medication and evidence resources only),
so R4 servers accept what these models write. docs/connectors.md says so.
"""
from __future__ import annotations

import base64
import datetime as dt
import uuid
from dataclasses import dataclass

from fhir.resources.R4B.binary import Binary
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.documentreference import DocumentReference
from fhir.resources.R4B.operationoutcome import OperationOutcome

PUSH_ID_SYSTEM = "urn:ietf:rfc:3986"  # masterIdentifier: a URN (urn:uuid:...), stable per push
RPPS_SYSTEM = "urn:oid:1.2.250.1.71.4.2.1"
LOINC = "http://loinc.org"
FINESS_SYSTEM = "urn:oid:1.2.250.1.71.4.2.2"
_PUSHES = uuid.UUID("6f1c1c52-7c1e-4f55-9a53-2a3c3f4f9d10")  # namespace of our push identifiers


@dataclass(frozen=True)
class PushedDocument:
    push_id: int
    title: str
    content: bytes
    content_type: str
    created_at: dt.datetime


@dataclass(frozen=True)
class Subject:
    ins: str | None
    ins_oid: str | None
    display: str


@dataclass(frozen=True)
class Author:
    rpps: str | None
    display: str


def push_identifier(platform: str, push_id: int) -> str:
    """The same URN for every attempt of one push: the endpoint deduplicates by it (If-None-Exist)."""
    return f"urn:uuid:{uuid.uuid5(_PUSHES, f'{platform}/{push_id}')}"


def document_reference(document: PushedDocument, subject: Subject, author: Author, *, identifier: str,
                       type_code: str, type_display: str, custodian_finess: str = "",
                       binary_url: str | None = None) -> DocumentReference:
    """The DocumentReference: the content inline (base64), or ``binary_url`` pointing at a Binary."""
    patient: dict = {"display": subject.display}
    if subject.ins and subject.ins_oid:
        patient["identifier"] = {"system": f"urn:oid:{subject.ins_oid}", "value": subject.ins}
    attachment = {"contentType": document.content_type, "title": document.title,
                  "creation": _instant(document.created_at)}
    if binary_url:
        attachment["url"] = binary_url
    else:
        attachment["data"] = base64.b64encode(document.content).decode("ascii")
    author_ref: dict = {"display": author.display}
    if author.rpps:
        author_ref["identifier"] = {"system": RPPS_SYSTEM, "value": "8" + author.rpps}
    resource = {
        "resourceType": "DocumentReference",
        "masterIdentifier": {"system": PUSH_ID_SYSTEM, "value": identifier},
        "status": "current",
        "docStatus": "final",
        "type": {"coding": [{"system": LOINC, "code": type_code, "display": type_display}]},
        "subject": patient,
        "date": _instant(dt.datetime.utcnow()),
        "author": [author_ref],
        "description": document.title,
        "content": [{"attachment": attachment}],
    }
    if custodian_finess:
        resource["custodian"] = {"identifier": {"system": FINESS_SYSTEM, "value": custodian_finess}}
    return DocumentReference.model_validate(resource)


def binary(document: PushedDocument) -> Binary:
    return Binary.model_validate({"resourceType": "Binary", "contentType": document.content_type,
                                  "data": base64.b64encode(document.content).decode("ascii")})


def transaction(reference: DocumentReference, content: Binary, identifier: str) -> Bundle:
    """A Binary and the DocumentReference pointing at it, stored together or not at all; the reference
    is created only if none has this push's identifier yet (``ifNoneExist``)."""
    binary_urn = f"urn:uuid:{uuid.uuid5(_PUSHES, identifier + '/binary')}"
    reference.content[0].attachment.url = binary_urn
    return Bundle.model_validate({"resourceType": "Bundle", "type": "transaction", "entry": [
        {"fullUrl": binary_urn, "resource": content.model_dump(mode="json", exclude_none=True),
         "request": {"method": "POST", "url": "Binary"}},
        {"fullUrl": f"urn:uuid:{uuid.uuid5(_PUSHES, identifier)}",
         "resource": reference.model_dump(mode="json", exclude_none=True),
         "request": {"method": "POST", "url": "DocumentReference",
                     "ifNoneExist": f"identifier={PUSH_ID_SYSTEM}|{identifier}"}},
    ]})


def outcome_text(body: bytes) -> str:
    """The diagnostics of an OperationOutcome (its issues' diagnostics or details), or "" if it is none."""
    try:
        outcome = OperationOutcome.model_validate_json(body)
    except Exception:  # not an OperationOutcome: the caller falls back on the HTTP status
        return ""
    parts = []
    for issue in outcome.issue or []:
        text = issue.diagnostics or (issue.details.text if issue.details else None) or ""
        if text:
            parts.append(text)
    return " ; ".join(parts)


def operation_outcome(code: str, diagnostics: str, severity: str = "error") -> OperationOutcome:
    return OperationOutcome.model_validate({"resourceType": "OperationOutcome", "issue": [
        {"severity": severity, "code": code, "diagnostics": diagnostics}]})


def _instant(value: dt.datetime) -> str:
    return value.replace(microsecond=0).isoformat() + "Z"
