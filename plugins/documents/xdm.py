"""Writing an IHE XDM package (STANDARDS.md, "IHE XDM packaging"): README.TXT and INDEX.HTM at the root,
IHE_XDM/SUBSET01/METADATA.XML (an ebRIM SubmitObjectsRequest written with lxml) and the documents under
8.3 upper-case names. Reading one back is read_xdm.py."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import uuid
import zipfile
from dataclasses import dataclass, field
from html import escape

from lxml import etree

from .document_types import CLASS_OID, LOINC_OID, DocumentType

LCM = "urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0"
RIM = "urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0"
ZIP_NAME = "IHE_XDM.ZIP"
SUBSET = "IHE_XDM/SUBSET01"
OID_INS_NIR = "1.2.250.1.213.1.4.8"
OID_RPPS = "1.2.250.1.71.4.2.1"
OID_STRUCTURE = "1.2.250.1.71.4.2.2"
CONFIDENTIALITY_OID = "2.16.840.1.113883.5.25"
FACILITY_OID = "1.2.250.1.71.4.2.4"
PRACTICE_OID = "1.2.250.1.213.1.1.4.9"
CONTENT_TYPE_OID = "1.2.250.1.213.2.2"
STABLE_DOCUMENT = "urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1"
PDF_FORMAT = "urn:ihe:iti:xds-sd:pdf:2008"
FORMAT_OID = "1.3.6.1.4.1.19376.1.2.3"  # IHE format codes
# The ebXML classification schemes of XDS metadata (IHE ITI TF-3 4.2.5).
SCHEME = {
    "author": "urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a838d",
    "classCode": "urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a",
    "confidentialityCode": "urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f",
    "formatCode": "urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d",
    "healthcareFacilityTypeCode": "urn:uuid:f33fb8ac-18af-42cc-ae0e-ed0b0bdb91e1",
    "practiceSettingCode": "urn:uuid:cccf5598-8b07-4b77-a05e-ae952c785ead",
    "typeCode": "urn:uuid:f0306f51-975f-434e-a61c-c59651d33983",
    "submissionAuthor": "urn:uuid:a7058bb9-b4e4-4307-ba5b-e3f0ab85e12d",
    "contentTypeCode": "urn:uuid:aa543740-bdda-424e-8c96-df4873be8500",
}
IDENTIFIER = {
    "documentPatientId": "urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427",
    "documentUniqueId": "urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab",
    "setUniqueId": "urn:uuid:96fdda7c-d067-4183-912e-bf5ee74998a8",
    "setSourceId": "urn:uuid:554ac39e-e3fe-47fe-b233-965d2a147832",
    "setPatientId": "urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446",
}
SUBMISSION_SET_NODE = "urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd"
HAS_MEMBER = "urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember"


@dataclass(frozen=True)
class Code:
    code: str
    label: str
    scheme: str  # the coding scheme's OID


@dataclass(frozen=True)
class PatientIdentity:
    identifier: str  # the CX value: "<INS>^^^&<OID>&ISO^NH", or the local id with its PI type
    birth_name: str
    first_names: str
    birth_date: dt.date
    sex: str  # F, M, U


@dataclass(frozen=True)
class Author:
    rpps: str | None
    last_name: str
    first_name: str
    institution: str = ""
    finess: str | None = None

    def person(self) -> str:
        if self.rpps:
            return f"8{self.rpps}^{self.last_name.upper()}^{self.first_name}^^^^^^&{OID_RPPS}&ISO^D^^^IDNPS"
        return f"^{self.last_name.upper()}^{self.first_name}"

    def institution_value(self) -> str:
        if self.finess:
            return f"{self.institution}^^^^^&{OID_STRUCTURE}&ISO^IDNST^^^3{self.finess}"
        return self.institution


@dataclass(frozen=True)
class Document:
    content: bytes
    mime_type: str
    original_name: str
    type: DocumentType
    date: dt.date

    @property
    def sha1(self) -> str:
        return hashlib.sha1(self.content).hexdigest()

    @property
    def extension(self) -> str:
        return {"application/pdf": "PDF", "image/jpeg": "JPG", "image/png": "PNG", "image/tiff": "TIF"}.get(
            self.mime_type, "BIN")


@dataclass(frozen=True)
class Package:
    patient: PatientIdentity
    author: Author
    documents: list[Document]
    submitted_at: dt.datetime  # UTC
    source_oid: str  # the platform's OID (setting), root of every unique id
    confidentiality: Code = Code("N", "Normal", CONFIDENTIALITY_OID)
    facility: Code = Code("SA07", "Cabinet individuel", FACILITY_OID)
    practice: Code = Code("AMBULATOIRE", "Ambulatoire", PRACTICE_OID)
    content_type: Code = Code("04", "Consultation externe", CONTENT_TYPE_OID)
    unique_root: str = field(default_factory=lambda: f"2.25.{uuid.uuid4().int}")

    def file_name(self, index: int) -> str:
        """8.3 upper case (STANDARDS.md): DOC0001.PDF..."""
        return f"DOC{index:04d}.{self.documents[index - 1].extension}"


def _ts(value: dt.datetime | dt.date) -> str:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).strftime("%Y%m%d%H%M%S")
    return value.strftime("%Y%m%d")


def _q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def _slot(parent: etree._Element, name: str, *values: str) -> None:
    slot = etree.SubElement(parent, _q(RIM, "Slot"), name=name)
    value_list = etree.SubElement(slot, _q(RIM, "ValueList"))
    for value in values:
        etree.SubElement(value_list, _q(RIM, "Value")).text = value


def _name(parent: etree._Element, text: str) -> None:
    name = etree.SubElement(parent, _q(RIM, "Name"))
    etree.SubElement(name, _q(RIM, "LocalizedString"), value=text, charset="UTF-8", lang="fr-FR")


def _code(parent: etree._Element, scheme: str, obj: str, code: Code, ids: list[int]) -> None:
    ids[0] += 1
    element = etree.SubElement(parent, _q(RIM, "Classification"), id=f"cl{ids[0]:02d}",
                               classificationScheme=SCHEME[scheme], classifiedObject=obj,
                               nodeRepresentation=code.code,
                               objectType="urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:Classification")
    _slot(element, "codingScheme", code.scheme)
    _name(element, code.label)


def _external(parent: etree._Element, kind: str, obj: str, value: str, label: str, ids: list[int]) -> None:
    ids[0] += 1
    element = etree.SubElement(parent, _q(RIM, "ExternalIdentifier"), id=f"ei{ids[0]:02d}", registryObject=obj,
                               identificationScheme=IDENTIFIER[kind], value=value,
                               objectType="urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:"
                                          "ExternalIdentifier")
    _name(element, label)


def _author(parent: etree._Element, scheme: str, obj: str, author: Author, ids: list[int]) -> None:
    ids[0] += 1
    element = etree.SubElement(parent, _q(RIM, "Classification"), id=f"cl{ids[0]:02d}",
                               classificationScheme=SCHEME[scheme], classifiedObject=obj, nodeRepresentation="",
                               objectType="urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:Classification")
    _slot(element, "authorPerson", author.person())
    if author.institution:
        _slot(element, "authorInstitution", author.institution_value())


def metadata_xml(package: Package) -> bytes:
    ids = [0]
    request = etree.Element(_q(LCM, "SubmitObjectsRequest"), nsmap={"lcm": LCM, "rim": RIM})
    objects = etree.SubElement(request, _q(RIM, "RegistryObjectList"))
    patient = package.patient
    info = [f"PID-3|{patient.identifier}",
            f"PID-5|{patient.birth_name.upper()}^{patient.first_names.split(' ')[0]}^{patient.first_names}^^^^L",
            f"PID-7|{_ts(patient.birth_date)}", f"PID-8|{patient.sex}"]
    for index, document in enumerate(package.documents, start=1):
        obj = f"Document{index:02d}"
        element = etree.SubElement(objects, _q(RIM, "ExtrinsicObject"), id=obj, mimeType=document.mime_type,
                                   objectType=STABLE_DOCUMENT)
        _slot(element, "creationTime", _ts(dt.datetime.combine(document.date, dt.time(12), dt.timezone.utc)))
        _slot(element, "hash", document.sha1)
        _slot(element, "languageCode", "fr-FR")
        _slot(element, "serviceStartTime", _ts(document.date))
        _slot(element, "size", str(len(document.content)))
        _slot(element, "sourcePatientId", patient.identifier)
        _slot(element, "sourcePatientInfo", *info)
        _slot(element, "URI", package.file_name(index))
        _name(element, document.type.label)
        _author(element, "author", obj, package.author, ids)
        _code(element, "classCode", obj, Code(document.type.class_code, document.type.class_label, CLASS_OID), ids)
        _code(element, "confidentialityCode", obj, package.confidentiality, ids)
        # Only PDFs are sent (rules.py): a scanned image is printed to PDF first.
        _code(element, "formatCode", obj, Code(PDF_FORMAT, "Document à corps non structuré en PDF", FORMAT_OID), ids)
        _code(element, "healthcareFacilityTypeCode", obj, package.facility, ids)
        _code(element, "practiceSettingCode", obj, package.practice, ids)
        _code(element, "typeCode", obj, Code(document.type.code, document.type.label, LOINC_OID), ids)
        _external(element, "documentPatientId", obj, patient.identifier, "XDSDocumentEntry.patientId", ids)
        _external(element, "documentUniqueId", obj, f"{package.unique_root}.{index}",
                  "XDSDocumentEntry.uniqueId", ids)
    submission = etree.SubElement(objects, _q(RIM, "RegistryPackage"), id="SubmissionSet01",
                                  objectType="urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:"
                                             "RegistryPackage")
    _slot(submission, "submissionTime", _ts(package.submitted_at))
    _name(submission, "Envoi de documents")
    _author(submission, "submissionAuthor", "SubmissionSet01", package.author, ids)
    _code(submission, "contentTypeCode", "SubmissionSet01", package.content_type, ids)
    _external(submission, "setUniqueId", "SubmissionSet01", f"{package.unique_root}.0",
              "XDSSubmissionSet.uniqueId", ids)
    _external(submission, "setSourceId", "SubmissionSet01", package.source_oid, "XDSSubmissionSet.sourceId", ids)
    _external(submission, "setPatientId", "SubmissionSet01", patient.identifier, "XDSSubmissionSet.patientId", ids)
    etree.SubElement(objects, _q(RIM, "Classification"), id="clSubmissionSet", classifiedObject="SubmissionSet01",
                     classificationNode=SUBMISSION_SET_NODE,
                     objectType="urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:Classification")
    for index in range(1, len(package.documents) + 1):
        association = etree.SubElement(objects, _q(RIM, "Association"), id=f"as{index:02d}",
                                       associationType=HAS_MEMBER, sourceObject="SubmissionSet01",
                                       targetObject=f"Document{index:02d}",
                                       objectType="urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:"
                                                  "Association")
        _slot(association, "SubmissionSetStatus", "Original")
    return etree.tostring(request, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _readme(package: Package) -> str:
    return ("Ce support contient des documents de santé au format IHE XDM (IHE ITI TF-1, section 16).\r\n"
            "This media contains health documents in IHE XDM format.\r\n\r\n"
            f"Emetteur : {package.author.first_name} {package.author.last_name.upper()}"
            f"{' - ' + package.author.institution if package.author.institution else ''}\r\n"
            "Application : Relais Santé\r\n"
            f"Date : {package.submitted_at.astimezone(dt.timezone.utc):%Y-%m-%d %H:%M} UTC\r\n")


def _index(package: Package) -> str:
    rows = "".join(f'<li><a href="{SUBSET}/{package.file_name(i)}">{escape(d.type.label)}</a> '
                   f"du {d.date:%d/%m/%Y}</li>" for i, d in enumerate(package.documents, start=1))
    return (f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Documents</title></head>'
            f'<body><h1>Documents</h1><ul>{rows}</ul><p><a href="README.TXT">README.TXT</a> - '
            f'<a href="{SUBSET}/METADATA.XML">METADATA.XML</a></p></body></html>')


def build_zip(package: Package) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.TXT", _readme(package).encode("utf-8"))
        archive.writestr("INDEX.HTM", _index(package).encode("utf-8"))
        archive.writestr(f"{SUBSET}/METADATA.XML", metadata_xml(package))
        for index, document in enumerate(package.documents, start=1):
            archive.writestr(f"{SUBSET}/{package.file_name(index)}", document.content)
    return out.getvalue()
