"""A reply that would go to a Reply-To other than the sender is flagged (issue #10, item 6): the received
mail's data says so, the reply keeps where it went and whom it did not go to."""
from __future__ import annotations

from kernel.mail.models import OutgoingRecipient
from kernel.models import Message
from mail.mail_helpers import publish_address
from mail.test_mail_space_rows import DOMAIN, mail, receive, rows  # noqa: F401 - the fixture
from support.factories import bearer, make_account


def test_a_reply_to_elsewhere_is_flagged_on_the_mail_and_on_the_reply(mail):
    julie = make_account("julie", "Julie", "Bernard", addresses=(f"julie@{DOMAIN}",))
    publish_address("secretariat@chu.mssante.fr")
    receive(f"julie@{DOMAIN}", "Compte rendu", sender="paul.noir@chu.mssante.fr", Reply_To="secretariat@chu.mssante.fr")
    receive(f"julie@{DOMAIN}", "Sans Reply-To", sender="paul.noir@chu.mssante.fr")
    client = mail.test_client()
    plain, flagged = rows(client, julie)
    facts = [m["data"]["mail"] for m in client.get(f"/api/v1/exchanges/{flagged['id']}/messages",
                                                    headers=bearer(julie)).json["messages"]]
    assert [(f["from"], f["reply_to"], f["reply_to_differs"]) for f in facts] == [
        ("paul.noir@chu.mssante.fr", "secretariat@chu.mssante.fr", True)]
    [other] = [m["data"]["mail"] for m in client.get(f"/api/v1/exchanges/{plain['id']}/messages",
                                                     headers=bearer(julie)).json["messages"]]
    assert other["reply_to_differs"] is False

    r = client.post(f"/mssante_mail/exchanges/{flagged['id']}/reply", headers=bearer(julie), json={"body": "Bien reçu"})
    assert r.status_code == 201, r.json
    sent = r.json["message"]["data"]["mail"]
    assert sent["to"] == ["secretariat@chu.mssante.fr"]
    assert sent["sent_to_reply_to"] == {"reply_to": "secretariat@chu.mssante.fr", "from": "paul.noir@chu.mssante.fr"}
    assert [r.address for r in OutgoingRecipient.select()] == ["secretariat@chu.mssante.fr"]
    r = client.post(f"/mssante_mail/exchanges/{plain['id']}/reply", headers=bearer(julie), json={"body": "Merci"})
    assert r.status_code == 201 and "sent_to_reply_to" not in r.json["message"]["data"]["mail"]
    assert Message.select().where(Message.author == julie.id).count() == 2
