"""What a sent mail says about its sender and its patient: the address a thread lives on, X-MSS-INS."""
from __future__ import annotations

from email import policy
from email.message import EmailMessage

import pytest

from kernel.mail.compose import parse
from kernel.mail.inbound import accept
from kernel.mail.models import OutgoingMail
from mail.mail_helpers import mail_app, publish_address, relais_of, smtp_sink
from support.factories import bearer, make_account, make_patient


@pytest.fixture
def platform(make_app, backend):
    with smtp_sink() as (sink, port):
        app = mail_app(make_app, backend, "a.mssante.fr", mail_relay_port=port)
        with app.app_context():
            app.sink = sink
            yield app


def _incoming(to: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = "paul.noir@chu.mssante.fr"
    msg["To"] = to
    msg["Subject"] = "Avis cardiologique"
    msg["Message-ID"] = "<avis-1@chu.mssante.fr>"
    msg.set_content("Bonjour,")
    return msg.as_bytes(policy=policy.SMTP)


def test_a_reply_leaves_from_the_address_the_thread_was_received_on(platform):
    thomas = make_account("thomas", "Thomas", "Durand",
                          addresses=("thomas.durand@a.mssante.fr", "thomas.durand.cardio@a.mssante.fr"))
    publish_address("paul.noir@chu.mssante.fr")
    assert accept(_incoming("thomas.durand.cardio@a.mssante.fr"), "paul.noir@chu.mssante.fr",
                  ["thomas.durand.cardio@a.mssante.fr"], source="smtp")["thomas.durand.cardio@a.mssante.fr"][0] == 250
    client = platform.test_client()
    [thread] = client.get("/api/v1/exchanges?space=mail", headers=bearer(thomas)).json["exchanges"]
    r = client.post(f"/api/v1/exchanges/{thread['id']}/messages", headers=bearer(thomas), json={"body": "Merci."})
    assert r.status_code == 201, r.json
    relais_of(platform).jobs.run_pending()
    [sent] = platform.sink.messages
    assert sent.mail_from == "thomas.durand.cardio@a.mssante.fr"
    reply = parse(sent.data)
    assert reply["From"].addresses[0].addr_spec == "thomas.durand.cardio@a.mssante.fr"
    assert reply["Disposition-Notification-To"] == "<thomas.durand.cardio@a.mssante.fr>"
    assert reply["In-Reply-To"] == "<avis-1@chu.mssante.fr>"
    # A new mail, with no thread to follow, goes out from the identity's first address.
    r = client.post("/api/v1/channels/mssante_mail/exchanges", headers=bearer(thomas), json={
        "acting_as": thomas.identity_id, "recipients": ["paul.noir@chu.mssante.fr"], "subject": "Autre",
        "body": "Bonjour"})
    assert r.status_code == 201, r.json
    relais_of(platform).jobs.run_pending()
    assert platform.sink.messages[-1].mail_from == "thomas.durand@a.mssante.fr"


def test_a_free_form_mail_about_a_qualified_patient_says_it_carries_no_ins(platform):
    julie = make_account("julie", addresses=("julie@a.mssante.fr",))
    publish_address("thomas@b.mssante.fr")
    patient = make_patient(ins="279035121518989", in_care_of=julie)
    assert patient.qualified
    client = platform.test_client()
    for fields in ({"patient": patient.id}, {}):
        r = client.post("/api/v1/channels/mssante_mail/exchanges", headers=bearer(julie), json={
            "acting_as": julie.identity_id, "recipients": ["thomas@b.mssante.fr"], "subject": "Avis",
            "body": "Bonjour", **fields})
        assert r.status_code == 201, r.json
    relais_of(platform).jobs.run_pending()
    about_patient, general = [parse(m.data) for m in platform.sink.messages]
    assert about_patient["X-MSS-INS"] == "N"  # the INS is not in the message, however qualified the identity
    assert general["X-MSS-INS"] is None


def test_reply_all_to_a_mail_received_on_two_of_our_addresses_does_not_copy_ourselves(platform):
    thomas = make_account("thomas", "Thomas", "Durand",
                          addresses=("thomas.durand@a.mssante.fr", "thomas.durand.cardio@a.mssante.fr"))
    publish_address("paul.noir@chu.mssante.fr")
    publish_address("anne@chu.mssante.fr")
    raw = _incoming("thomas.durand.cardio@a.mssante.fr").replace(
        b"To: thomas.durand.cardio@a.mssante.fr\r\n",
        b"To: thomas.durand.cardio@a.mssante.fr\r\nCc: thomas.durand@a.mssante.fr, anne@chu.mssante.fr\r\n")
    accept(raw, "paul.noir@chu.mssante.fr", ["thomas.durand.cardio@a.mssante.fr", "thomas.durand@a.mssante.fr"],
           source="smtp")
    client = platform.test_client()
    [thread] = client.get("/api/v1/exchanges?space=mail", headers=bearer(thomas)).json["exchanges"]
    r = client.post(f"/mssante_mail/exchanges/{thread['id']}/reply", headers=bearer(thomas),
                    json={"body": "Merci à tous.", "all": True})
    assert r.status_code == 201, r.json
    outgoing = OutgoingMail.get_by_id(r.json["message"]["data"]["mail"]["outgoing"])
    assert sorted(a.address for a in outgoing.recipients) == ["anne@chu.mssante.fr", "paul.noir@chu.mssante.fr"]
    assert outgoing.mail_from == "thomas.durand.cardio@a.mssante.fr"
