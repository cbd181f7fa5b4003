"""HL7 v2.5 MDM^T02 (a document with its content) and its ACK, built and read with hl7apy.

Every value that comes from people (names, labels) is set as a typed HL7 value, which hl7apy escapes
(``^`` becomes ``\\S\\``...): no field is ever assembled by hand. OBX-5 is the one exception hl7apy cannot
type (its type "varies" with OBX-2): it is written as an ED value from constants and base64 text joined
by the message's own component separator, and read back with hl7apy's ED parser.
"""
from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass

from hl7apy.core import Message
from hl7apy.parser import parse_components, parse_message
from hl7apy.base_datatypes import TX

VERSION = "2.5"
INS_NIR_OID = "1.2.250.1.213.1.4.8"
RPPS_OID = "1.2.250.1.71.4.2.1"
SEXES = {"F": "F", "M": "M"}  # anything else: U (unknown)


@dataclass(frozen=True)
class PatientIdentity:
    """What PID carries: the INS (matricule + OID) of a qualified identity, and the platform's own id."""

    ins: str | None
    ins_oid: str | None
    local_id: str
    birth_name: str
    used_name: str
    first_names: str
    birth_date: dt.date
    sex: str


@dataclass(frozen=True)
class Author:
    rpps: str | None
    last_name: str
    first_name: str


@dataclass(frozen=True)
class Document:
    control_id: str       # MSH-10 and TXA-12: the same for every attempt of one push
    title: str
    content: bytes
    content_type: str
    created_at: dt.datetime


def esc(value: str) -> str:
    """``value`` with HL7's delimiters escaped by hl7apy (``^`` → ``\\S\\``...), ready to set on any field."""
    return TX(value).to_er7()


def _ts(value: dt.datetime | dt.date) -> str:
    return value.strftime("%Y%m%d%H%M%S" if isinstance(value, dt.datetime) else "%Y%m%d")


def build_mdm(document: Document, patient: PatientIdentity, author: Author, *, sending_application: str,
              sending_facility: str, receiving_application: str, receiving_facility: str, document_type: str,
              document_code: str, document_code_label: str, now: dt.datetime | None = None) -> str:
    """The MDM^T02 as ER7 text (segments separated by CR)."""
    now = now or dt.datetime.now()
    m = Message("MDM_T02", version=VERSION)
    m.msh.msh_3.hd_1 = esc(sending_application)
    m.msh.msh_4.hd_1 = esc(sending_facility)
    m.msh.msh_5.hd_1 = esc(receiving_application)
    m.msh.msh_6.hd_1 = esc(receiving_facility)
    m.msh.msh_7.ts_1 = _ts(now)
    m.msh.msh_9.msg_1, m.msh.msh_9.msg_2, m.msh.msh_9.msg_3 = "MDM", "T02", "MDM_T02"
    m.msh.msh_10 = esc(document.control_id)
    m.msh.msh_11.pt_1 = "P"
    m.msh.msh_15 = "AL"  # accept acknowledgement: always
    m.msh.msh_17 = "FRA"
    m.msh.msh_18 = "UNICODE UTF-8"
    m.evn.evn_2.ts_1 = _ts(now)
    _pid(m, patient)
    m.pv1.pv1_2 = "N"  # not applicable: a document, not a stay
    _txa(m, document, author, document_type)
    obx = m.add_group("MDM_T02_OBSERVATION").obx
    obx.obx_1 = "1"
    obx.obx_2 = "ED"
    obx.obx_3.ce_1, obx.obx_3.ce_2, obx.obx_3.ce_3 = esc(document_code), esc(document_code_label), "LN"
    subtype = "PDF" if document.content_type == "application/pdf" else "octet-stream"
    kind = "AP" if document.content_type.startswith("application/") else "IM" if document.content_type.startswith("image/") else "TEXT"
    sep = m.encoding_chars["COMPONENT"]
    obx.obx_5 = sep.join(["", kind, subtype, "Base64", base64.b64encode(document.content).decode("ascii")])
    obx.obx_11 = "F"
    return m.to_er7()


def _pid(m: Message, patient: PatientIdentity) -> None:
    ids = []
    if patient.ins and patient.ins_oid:
        ids.append((patient.ins, "", patient.ins_oid, "ISO", "INS"))
    ids.append((patient.local_id, "RELAIS_SANTE", "", "", "PI"))  # the platform's own id, always
    for n, (value, namespace, oid, oid_type, kind) in enumerate(ids):
        cx = m.pid.add_field("PID_3") if n else m.pid.pid_3
        cx.cx_1 = esc(value)
        if namespace:
            cx.cx_4.hd_1 = esc(namespace)
        if oid:
            cx.cx_4.hd_2, cx.cx_4.hd_3 = esc(oid), oid_type
        cx.cx_5 = kind
    names = [(patient.birth_name, "L")]
    if patient.used_name and patient.used_name != patient.birth_name:
        names.append((patient.used_name, "D"))
    for n, (family, kind) in enumerate(names):
        xpn = m.pid.add_field("PID_5") if n else m.pid.pid_5
        xpn.xpn_1.fn_1 = esc(family)
        xpn.xpn_2 = esc((patient.first_names.split() or [""])[0])
        rest = " ".join(patient.first_names.split()[1:])
        if rest:
            xpn.xpn_3 = esc(rest)
        xpn.xpn_7 = kind
    m.pid.pid_7.ts_1 = _ts(patient.birth_date)
    m.pid.pid_8 = SEXES.get(patient.sex, "U")


def _txa(m: Message, document: Document, author: Author, document_type: str) -> None:
    m.txa.txa_1 = "1"
    m.txa.txa_2 = esc(document_type)
    m.txa.txa_3 = "AP" if document.content_type.startswith("application/") else "TX"
    m.txa.txa_4.ts_1 = _ts(document.created_at)
    originator = m.txa.txa_9
    if author.rpps:
        originator.xcn_1 = esc("8" + author.rpps)  # the national id: 8 + RPPS
        originator.xcn_9.hd_2, originator.xcn_9.hd_3 = RPPS_OID, "ISO"
    originator.xcn_2.fn_1 = esc(author.last_name)
    originator.xcn_3 = esc(author.first_name)
    m.txa.txa_12.ei_1 = esc(document.control_id)
    m.txa.txa_16 = esc(document.title[:30])  # unique file name (ST, at most 30 characters in 2.5)
    m.txa.txa_17 = "AU"  # authenticated
    m.txa.txa_19 = "AV"  # available


@dataclass(frozen=True)
class Ack:
    code: str            # AA, AE, AR (or CA, CE, CR in enhanced mode)
    control_id: str      # MSA-2: the message it answers
    text: str            # MSA-3 and ERR's user message, as the software wrote them

    @property
    def accepted(self) -> bool:
        return self.code in ("AA", "CA")


class UnreadableAck(ValueError):
    """What came back is not an HL7 ACK."""


def parse_ack(text: str) -> Ack:
    try:
        m = parse_message(text.replace("\n", "\r").strip("\r"), find_groups=False)
        code = m.msa.msa_1.value
        control_id = m.msa.msa_2.value
        parts = [m.msa.msa_3.value] if m.msa.msa_3.value else []
        for err in m.children.get("ERR") if "ERR" in {c.name for c in m.children} else []:
            for found in (err.err_8.value, err.err_3.to_er7()):
                if found:
                    parts.append(_unescape(found))
                    break
    except Exception as exc:  # hl7apy raises several kinds; all mean the same here
        raise UnreadableAck(f"not an HL7 ACK: {type(exc).__name__}: {exc}") from exc
    if not code:
        raise UnreadableAck("ACK without MSA-1")
    return Ack(code, control_id, " ; ".join(_unescape(p) for p in parts if p))


def _unescape(value: str) -> str:
    # hl7apy gives values as written (escaped); the few escapes a reason may hold, back to characters.
    for escaped, char in (("\\F\\", "|"), ("\\S\\", "^"), ("\\T\\", "&"), ("\\R\\", "~"), ("\\E\\", "\\")):
        value = value.replace(escaped, char)
    return value.replace("^", " ").strip()


def build_ack(received: Message, code: str, text: str = "", error: str = "") -> str:
    """The ACK a software answers to ``received`` (used by the test software, listener.py)."""
    ack = Message("ACK", version=VERSION)
    ack.msh.msh_3.hd_1 = received.msh.msh_5.msh_5_1.value if received.msh.msh_5.children else "LOGICIEL"
    ack.msh.msh_5.hd_1 = received.msh.msh_3.msh_3_1.value if received.msh.msh_3.children else ""
    ack.msh.msh_7.ts_1 = _ts(dt.datetime.now())
    ack.msh.msh_9.msg_1, ack.msh.msh_9.msg_2, ack.msh.msh_9.msg_3 = "ACK", "T02", "ACK"
    ack.msh.msh_10 = esc("ACK" + received.msh.msh_10.value[:17])
    ack.msh.msh_11.pt_1 = "P"
    ack.msa.msa_1 = code
    ack.msa.msa_2 = esc(received.msh.msh_10.value)
    if text:
        ack.msa.msa_3 = esc(text[:80])
    if error:
        err = ack.add_segment("ERR")
        err.err_3.cwe_1, err.err_3.cwe_2 = "207", esc("Application internal error")
        err.err_4 = "E"
        err.err_8 = esc(error)
    return ack.to_er7()


def read_ed(obx_5_text: str) -> tuple[str, str, bytes]:
    """OBX-5 as an ED: (type, subtype, decoded data)."""
    parts = {c.name: c.value for c in parse_components(obx_5_text, field_datatype="ED", version=VERSION)}
    if parts.get("ED_4") != "Base64":
        raise ValueError("OBX-5 is not base64-encoded")
    return parts.get("ED_2", ""), parts.get("ED_3", ""), base64.b64decode(parts.get("ED_5", ""), validate=True)
