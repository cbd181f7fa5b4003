"""Reading the IHE XDM packages of a received mail (STANDARDS.md): for each, the patient identifiers and
traits, and each document's type, date, name and file. A sender's broken file never stops the mail being
received: what cannot be read is left out (and logged)."""
from __future__ import annotations

import io
import logging
import zipfile
from dataclasses import dataclass, field
from email.message import EmailMessage

from lxml import etree

from .xdm import IDENTIFIER, LOINC_OID, RIM, SCHEME, ZIP_NAME

log = logging.getLogger(__name__)
_MAX_METADATA = 2 * 1024 * 1024  # a metadata file is a few kB: anything bigger is not read
_NS = {"rim": RIM}
# No DTD, no entity, no network: the XML comes from outside.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
_PATIENT_SCHEMES = (IDENTIFIER["documentPatientId"], IDENTIFIER["setPatientId"])


@dataclass
class ReceivedDocument:
    type_code: str = ""
    type_label: str = ""
    date: str = ""  # YYYY-MM-DD
    title: str = ""
    uri: str = ""


@dataclass
class Package:
    patient_ids: list[str] = field(default_factory=list)
    patient_info: list[str] = field(default_factory=list)
    documents: list[ReceivedDocument] = field(default_factory=list)


def packages_of(msg: EmailMessage) -> list[Package]:
    """The mail's IHE_XDM.ZIP packages, read; [] when it carries none."""
    found = []
    for part in msg.iter_attachments():
        if (part.get_filename() or "").strip().upper() != ZIP_NAME:
            continue
        package = Package()
        found.append(package)
        try:
            with zipfile.ZipFile(io.BytesIO(part.get_payload(decode=True) or b"")) as archive:
                for info in archive.infolist():
                    if info.filename.upper().endswith("METADATA.XML") and info.file_size <= _MAX_METADATA:
                        read_metadata(archive.read(info), package)
        except Exception as exc:  # a sender's broken file must never stop the mail being received
            log.warning("an %s attachment could not be read (%s)", ZIP_NAME, type(exc).__name__)
    return found


def _values(element: etree._Element, slot: str) -> list[str]:
    return [v.strip() for v in element.xpath(f"rim:Slot[@name='{slot}']/rim:ValueList/rim:Value/text()",
                                             namespaces=_NS)]


def read_metadata(xml: bytes, package: Package) -> None:
    root = etree.fromstring(xml, parser=_PARSER)
    for identifier in root.xpath("//rim:ExternalIdentifier", namespaces=_NS):
        if identifier.get("identificationScheme") in _PATIENT_SCHEMES and identifier.get("value"):
            package.patient_ids.append(identifier.get("value"))
    package.patient_info += [v for v in root.xpath("//rim:Slot[@name='sourcePatientInfo']/rim:ValueList/rim:Value"
                                                   "/text()", namespaces=_NS)]
    for entry in root.xpath("//rim:ExtrinsicObject", namespaces=_NS):
        document = ReceivedDocument(title=(entry.xpath("rim:Name/rim:LocalizedString/@value", namespaces=_NS)
                                           or [""])[0])
        for kind in entry.xpath(f"rim:Classification[@classificationScheme='{SCHEME['typeCode']}']",
                                namespaces=_NS):
            document.type_code = kind.get("nodeRepresentation") or ""
            document.type_label = (kind.xpath("rim:Name/rim:LocalizedString/@value", namespaces=_NS) or [""])[0]
            if (_values(kind, "codingScheme") or [LOINC_OID])[0] != LOINC_OID:
                document.type_label = document.type_label or document.type_code
        created = (_values(entry, "creationTime") or [""])[0]
        if len(created) >= 8 and created[:8].isdigit():
            document.date = f"{created[:4]}-{created[4:6]}-{created[6:8]}"
        document.uri = (_values(entry, "URI") or [""])[0]
        package.documents.append(document)
