"""Identity matching on incoming documents (docs/security.md): an IHE XDM package links its mail to a
registered patient only on the INS *and* every identity trait; anything else links nothing and the
thread shows « Identité à vérifier » with the traits received, never the registered identity's."""
from __future__ import annotations

import datetime as dt
import io
import uuid
import zipfile
from email.message import EmailMessage

import pytest

from kernel.mail.inbound import accept
from kernel.models import AuditEvent, Exchange, Message
from mail.mail_helpers import mail_settings
from plugins.documents import hooks as documents_plugin
from plugins.documents.identity import MISSING_TRAITS, OTHER_OID, OTHER_TRAITS, SEVERAL
from plugins.mssante_mail import hooks as mail_plugin
from support.chat_channel import ChatChannel
from support.factories import bearer, make_account, make_patient

DOMAIN = "a.mssante.fr"
INS = "279035121518989"  # a woman born in March 1979 (STANDARDS.md)
NIR_OID = "1.2.250.1.213.1.4.8"


@pytest.fixture
def mail(make_app, backend):
    app = make_app(backend, plugins=[("test_chat", ChatChannel()), ("mssante_mail", mail_plugin),
                                        ("documents", documents_plugin)],
                   **mail_settings(DOMAIN))
    with app.app_context():
        yield app


@pytest.fixture
def julie(mail):
    return make_account("julie", "Julie", "Bernard", addresses=(f"julie@{DOMAIN}",))


@pytest.fixture
def marthe(mail):
    # Registered with her INS, her birth name and all her birth first names.
    return make_patient("Marthe Louise", "DUBOIS-ÉTIENNE", birth_date=dt.date(1979, 3, 15), ins=INS)


def package(*values: str, ins: str = INS, oid: str = NIR_OID) -> bytes:
    """IHE_XDM.ZIP whose METADATA.XML names the patient by INS and gives ``values`` as sourcePatientInfo."""
    info = "".join(f"<rim:Value>{v}</rim:Value>" for v in values)
    metadata = f"""<?xml version="1.0" encoding="UTF-8"?>
<lcm:SubmitObjectsRequest xmlns:lcm="urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0"
    xmlns:rim="urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0"><rim:RegistryObjectList>
  <rim:ExtrinsicObject id="Document01" mimeType="application/pdf">
    <rim:Slot name="sourcePatientInfo"><rim:ValueList>{info}</rim:ValueList></rim:Slot>
    <rim:ExternalIdentifier id="ei01" registryObject="Document01" value="{ins}^^^&amp;{oid}&amp;ISO^NH"
        identificationScheme="urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427"/>
  </rim:ExtrinsicObject>
</rim:RegistryObjectList></lcm:SubmitObjectsRequest>"""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zipped:
        zipped.writestr("IHE_XDM/SUBSET01/METADATA.XML", metadata)
        zipped.writestr("IHE_XDM/SUBSET01/DOC0001.PDF", b"%PDF-1.4 cr")
    return out.getvalue()


GOOD = ("PID-5|DUBOIS-ETIENNE^Marthe^^^^^L", "PID-7|19790315", "PID-8|F")


def receive(xdm: bytes, *, subject: str = "Compte rendu", reply_to: Message | None = None) -> Exchange:
    msg = EmailMessage()
    msg["From"] = "Dr Paul Noir <paul.noir@chu.mssante.fr>"
    msg["To"] = f"julie@{DOMAIN}"
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{uuid.uuid4().hex}@chu.mssante.fr>"
    if reply_to is not None:
        msg["In-Reply-To"] = f"<{reply_to.data['mail']['message_id']}>"
    msg.set_content("Bonjour, le compte rendu est joint.")
    msg.add_attachment(xdm, maintype="application", subtype="zip", filename="IHE_XDM.ZIP")
    assert accept(msg.as_bytes(), "paul.noir@chu.mssante.fr", [f"julie@{DOMAIN}"], source="local")[
        f"julie@{DOMAIN}"][0] == 250
    return Exchange.select().order_by(Exchange.id.desc()).first()


def panels(mail, account, exchange) -> dict[str, dict]:
    r = mail.test_client().get(f"/api/v1/exchanges/{exchange.id}", headers=bearer(account))
    assert r.status_code == 200, r.json
    return {p["name"]: p for p in r.json["exchange"]["panels"]}


@pytest.mark.parametrize("values", [
    GOOD,
    ("PID-5|dubois-étienne^MARTHE^^^^^L", "PID-7|19790315", "PID-8|F"),  # case and accents aside
    ("PID-5|DUBOIS-ETIENNE^Marthe^Louise^^^^L", "PID-7|19790315", "PID-8|F"),  # every first name
    ("PID-5|DUBOIS-ETIENNE^Marthe^Marthe Louise^^^^L", "PID-5|MARTIN^Marthe^^^^^D",  # and a used name
     "PID-7|19790315", "PID-8|F"),
], ids=["traits", "folded", "first-names", "used-name-too"])
def test_the_ins_with_every_trait_links_the_patient(mail, julie, marthe, values):
    exchange = receive(package(*values))
    assert exchange.patient_id == marthe.id
    assert "identity_check" not in exchange.data and "identity_check" not in panels(mail, julie, exchange)
    [reach] = AuditEvent.select().where(AuditEvent.action == "patient.reach_by_ins")
    assert (reach.target, reach.acting_as_id) == (f"patient:{marthe.id}", julie.identity_id)


@pytest.mark.parametrize("values, oid, reason", [
    (("PID-7|19790315", "PID-8|F"), NIR_OID, MISSING_TRAITS),  # the INS alone
    (("PID-5|MARTIN^Marthe^^^^^D", "PID-7|19790315", "PID-8|F"), NIR_OID, MISSING_TRAITS),  # only a used name
    (("PID-5|DUBOIS-ETIENNE^Marthe^^^^^L", "PID-7|19790315"), NIR_OID, MISSING_TRAITS),  # no sex
    (("PID-5|DUBOIS^Marthe^^^^^L", "PID-7|19790315", "PID-8|F"), NIR_OID, OTHER_TRAITS),
    (("PID-5|DUBOIS-ETIENNE^Martha^^^^^L", "PID-7|19790315", "PID-8|F"), NIR_OID, OTHER_TRAITS),
    (("PID-5|DUBOIS-ETIENNE^Marthe^Marthe Lucie^^^^L", "PID-7|19790315", "PID-8|F"), NIR_OID, OTHER_TRAITS),
    (("PID-5|DUBOIS-ETIENNE^Marthe^^^^^L", "PID-7|19790316", "PID-8|F"), NIR_OID, OTHER_TRAITS),
    (("PID-5|DUBOIS-ETIENNE^Marthe^^^^^L", "PID-7|19790315", "PID-8|M"), NIR_OID, OTHER_TRAITS),
    (GOOD, "1.2.250.1.213.1.4.10", OTHER_OID),  # a test INS-NIR is not the real one
    (GOOD + ("PID-7|19790316",), NIR_OID, SEVERAL),
], ids=["ins-alone", "used-name-only", "no-sex", "birth-name", "first-name", "first-names", "birth-date", "sex",
        "test-oid", "two-dates"])
def test_a_mismatch_links_nothing_and_shows_the_identity_to_check(mail, julie, marthe, values, oid, reason):
    exchange = receive(package(*values, oid=oid))
    assert exchange.patient_id is None
    check = exchange.data["identity_check"]
    assert check["reason"] == reason and check["ins"] == INS
    message = Message.get(Message.exchange == exchange.id)
    assert message.data["identity_check"] == check
    panel = panels(mail, julie, exchange)["identity_check"]
    assert (panel["title"], panel["level"]) == ("Identité à vérifier", "warning")
    assert reason in panel["text"] and panel["data"] == {"identity_check": check}
    # What the document says, never what is registered: the recipient may not have that patient in care.
    assert "LOUISE" not in panel["text"].upper() and "Louise" not in str(exchange.data)
    assert not AuditEvent.select().where(AuditEvent.action == "patient.reach_by_ins").exists()


def test_the_traits_received_are_shown_as_received(mail, julie, marthe):
    exchange = receive(package("PID-5|DUBOIS^Marthe^^^^^L", "PID-7|19790315", "PID-8|F"))
    assert exchange.data["identity_check"] == {
        "ins": INS, "ins_oid": NIR_OID, "birth_name": "DUBOIS", "first_names": "Marthe", "birth_date": "1979-03-15",
        "sex": "F", "reason": OTHER_TRAITS}
    assert panels(mail, julie, exchange)["identity_check"]["text"] == (
        f"Le document reçu nomme : DUBOIS Marthe, né(e) le 15/03/1979, sexe F, INS {INS}. {OTHER_TRAITS}")


def test_the_check_ends_when_the_user_chooses_or_a_later_document_agrees(mail, julie, marthe):
    from kernel.services.patients import mark_used

    first = receive(package("PID-5|DUBOIS^Marthe^^^^^L", "PID-7|19790315", "PID-8|F"))
    assert "identity_check" in panels(mail, julie, first)
    # A later document of the same thread with every trait right links the patient and ends the check.
    reply = receive(package(*GOOD), reply_to=Message.get(Message.exchange == first.id))
    assert reply.id == first.id and reply.patient_id == marthe.id
    assert "identity_check" not in reply.data and "identity_check" not in panels(mail, julie, reply)
    # Or the user chooses the patient of a thread after checking: the banner goes.
    other = receive(package("PID-5|DUBOIS^Marthe^^^^^L", "PID-7|19790315", "PID-8|F"), subject="Autre")
    mark_used(julie, marthe)
    r = mail.test_client().patch(f"/api/v1/exchanges/{other.id}", headers=bearer(julie), json={"patient": marthe.id})
    assert r.status_code == 200, r.json
    assert "identity_check" not in panels(mail, julie, other)


def test_an_ins_nobody_here_holds_is_nothing_to_check(mail, julie, marthe):
    exchange = receive(package("PID-5|ROBERT^Jean^^^^^L", "PID-7|19460214", "PID-8|M", ins="146026322000196"))
    assert exchange.patient_id is None and "identity_check" not in exchange.data
