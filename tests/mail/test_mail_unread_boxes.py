"""Unread badges count what the box shown holds (#15 item 7): what a mailbox sent is in its « Envoyés »,
never unread, whoever of its readers wrote it; a thread in two of one's boxes counts once in « Toutes mes
boîtes »; the inbox tab and the title count what the lists show."""
from __future__ import annotations

import pytest

from kernel.models import Exchange, MailAddress, Membership
from kernel.services import delegations
from mail.mail_helpers import mail_app, publish_address, smtp_sink
from mail.test_mail_space_rows import DOMAIN, SEARCH, receive
from support.factories import bearer, make_account, make_structure


@pytest.fixture
def mail(make_app, backend):
    with smtp_sink() as (sink, port):
        app = mail_app(make_app, backend, DOMAIN, mail_relay_port=port)
        with app.app_context():
            yield app


def _counts(client, account) -> dict:
    """Every count an account's pages show, and the sums of the unread of the rows each list holds."""
    headers = bearer(account)
    boxes = client.get("/mssante_mail/mailboxes", headers=headers).json
    tab = client.get("/api/v1/exchanges?space=mail", headers=headers).json
    inbox_rows = client.get(SEARCH, headers=headers, query_string={"folder": "inbox"}).json["exchanges"]
    sent_rows = client.get(SEARCH, headers=headers, query_string={"folder": "sent"}).json["exchanges"]
    return {"tab": tab["unread"]["mail"], "all_boxes": boxes["unread"],
            "boxes": {b["identity"]["display_name"]: b["unread"] for b in boxes["mailboxes"]},
            "inbox_rows": sum(r["unread"] for r in inbox_rows), "sent_rows": sum(r["unread"] for r in sent_rows),
            "tab_rows": sum(r["unread"] for r in tab["exchanges"])}


def _send(client, account, acting_as: int, subject: str) -> int:
    r = client.post("/api/v1/channels/mssante_mail/exchanges", headers=bearer(account), json={
        "acting_as": acting_as, "recipients": ["emilie.lefevre@chu.mssante.fr"], "subject": subject, "body": "Bonjour"})
    assert r.status_code == 201, r.json
    return r.json["exchange"]["id"]


def test_what_a_mailbox_sent_is_unread_for_none_of_its_readers(mail):
    doctor = make_account("doctor", "Julie", "Bernard", addresses=(f"julie@{DOMAIN}",))
    secretary = make_account("secretary", "Isabelle", "Roux", profession="Secrétaire médicale", eligible=False)
    delegations.grant(doctor.identity, secretary, delegations.SCOPE_MAIL, granted_by=doctor)
    publish_address("emilie.lefevre@chu.mssante.fr", "Émilie LEFÈVRE")
    client = mail.test_client()
    _send(client, doctor, doctor.identity_id, "Envoyé par le Dr")
    _send(client, secretary, doctor.identity_id, "Envoyé par le secrétariat")
    nothing = {"tab": 0, "all_boxes": 0, "boxes": {"Julie BERNARD": 0}, "inbox_rows": 0, "sent_rows": 0, "tab_rows": 0}
    assert _counts(client, doctor) == nothing
    assert _counts(client, secretary) == nothing
    receive(f"julie@{DOMAIN}", "Résultats")  # a mail from outside waits for both
    waiting = {"tab": 1, "all_boxes": 1, "boxes": {"Julie BERNARD": 1}, "inbox_rows": 1, "sent_rows": 0, "tab_rows": 1}
    assert _counts(client, doctor) == waiting
    assert _counts(client, secretary) == waiting


def test_a_thread_in_two_of_one_s_boxes_counts_once_in_all_boxes(mail):
    doctor = make_account("doctor", "Julie", "Bernard", addresses=(f"julie@{DOMAIN}",))
    secretary = make_account("secretary", "Isabelle", "Roux", profession="Secrétaire médicale", eligible=False)
    structure = make_structure("Coordination REPAP", delegates=(secretary,))
    MailAddress.create(identity=structure, address=f"repap@{DOMAIN}")
    delegations.grant(doctor.identity, secretary, delegations.SCOPE_MAIL, granted_by=doctor)
    client = mail.test_client()
    receive(f"julie@{DOMAIN}", "Pour les deux")
    # One thread both boxes take part in (a mail channel may file one exchange for several mailboxes).
    exchange = Exchange.get(Exchange.space == "mail")
    Membership.create(exchange=exchange, identity=structure)
    counts = _counts(client, secretary)
    assert counts["boxes"] == {"Coordination REPAP": 1, "Julie BERNARD": 1}
    assert (counts["all_boxes"], counts["tab"], counts["inbox_rows"], counts["tab_rows"]) == (1, 1, 1, 1), counts
