"""Removing oneself from a mail thread removes it for oneself only (issue #10, item 10): the owner of the
mailbox and the other delegates of a structure keep it; the exchange goes with the last one to delete it."""
from __future__ import annotations

from kernel.models import AuditEvent, Delegation, Exchange, MailAddress, Message
from mail.test_mail_space_rows import DOMAIN, mail, receive, rows  # noqa: F401 - the fixture
from support.factories import bearer, make_account, make_structure


def _ids(client, account, **params) -> list[int]:
    return [row["id"] for row in rows(client, account, **params)]


def _api_ids(client, account) -> list[int]:
    return [e["id"] for e in client.get("/api/v1/exchanges?space=mail", headers=bearer(account)).json["exchanges"]]


def _mailbox_counts(client, account) -> dict[str, tuple[int, int]]:
    boxes = client.get("/mssante_mail/mailboxes", headers=bearer(account)).json["mailboxes"]
    return {b["identity"]["display_name"]: (b["exchanges"], b["unread"]) for b in boxes}


def test_a_delegate_deleting_a_structure_thread_leaves_it_to_the_other_delegates(mail):
    claire = make_account("claire", "Claire", "Moreau", eligible=False)
    marc = make_account("marc", "Marc", "Petit", eligible=False)
    repap = make_structure("Coordination REPAP", delegates=(claire, marc))
    MailAddress.create(identity=repap, address=f"repap@{DOMAIN}")
    receive(f"repap@{DOMAIN}", "Demande de coordination", Message_ID="<d1@chu.mssante.fr>")
    client = mail.test_client()
    [exchange_id] = _ids(client, claire)
    r = client.delete(f"/mssante_mail/exchanges/{exchange_id}", headers=bearer(claire))
    assert (r.status_code, r.json) == (200, {"deleted": exchange_id, "outcome": "hidden"})
    assert Exchange.get_or_none(Exchange.id == exchange_id) is not None
    assert _ids(client, claire) == [] and _api_ids(client, claire) == []
    assert _mailbox_counts(client, claire) == {"Coordination REPAP": (0, 0)}
    assert client.get("/api/v1/exchanges?space=mail", headers=bearer(claire)).json["unread"]["mail"] == 0
    assert _ids(client, marc) == [exchange_id] and _api_ids(client, marc) == [exchange_id]
    assert _mailbox_counts(client, marc) == {"Coordination REPAP": (1, 1)}
    # Marc still reads every message of it.
    assert len(client.get(f"/api/v1/exchanges/{exchange_id}/messages", headers=bearer(marc)).json["messages"]) == 1
    audit = AuditEvent.get(AuditEvent.action == "mail.delete")
    assert (audit.account_id, audit.outcome) == (claire.id, "hidden")

    # A reply arriving in the thread brings it back to Claire, as a mail client shows a new reply.
    receive(f"repap@{DOMAIN}", "Re: Demande", Message_ID="<d2@chu.mssante.fr>", In_Reply_To="<d1@chu.mssante.fr>")
    assert _ids(client, claire) == [exchange_id]

    # Deleted by both: now nobody has it, and the exchange goes.
    assert client.delete(f"/mssante_mail/exchanges/{exchange_id}", headers=bearer(marc)).json["outcome"] == "hidden"
    r = client.delete(f"/mssante_mail/exchanges/{exchange_id}", headers=bearer(claire))
    assert r.json["outcome"] == "deleted"
    assert Exchange.get_or_none(Exchange.id == exchange_id) is None
    assert Message.select().where(Message.exchange == exchange_id).count() == 0


def test_a_delegate_deleting_from_a_colleagues_mailbox_leaves_the_owners_copy(mail):
    julie = make_account("julie", "Julie", "Bernard", addresses=(f"julie@{DOMAIN}",))
    claire = make_account("claire", "Claire", "Moreau", eligible=False)
    Delegation.create(delegate=claire, principal=julie.identity)
    receive(f"julie@{DOMAIN}", "Compte rendu")
    client = mail.test_client()
    [exchange_id] = _ids(client, julie)
    assert client.delete(f"/mssante_mail/exchanges/{exchange_id}", headers=bearer(claire)).json["outcome"] == "hidden"
    assert _ids(client, julie) == [exchange_id] and _ids(client, claire) == []
    # The owner deleting it when the delegate had already: gone for good.
    assert client.delete(f"/mssante_mail/exchanges/{exchange_id}", headers=bearer(julie)).json["outcome"] == "deleted"
    assert Exchange.get_or_none(Exchange.id == exchange_id) is None


def test_alone_with_a_thread_deleting_deletes_it(mail):
    julie = make_account("julie", "Julie", "Bernard", addresses=(f"julie@{DOMAIN}",))
    receive(f"julie@{DOMAIN}", "Compte rendu")
    client = mail.test_client()
    [exchange_id] = _ids(client, julie)
    assert client.delete(f"/mssante_mail/exchanges/{exchange_id}", headers=bearer(julie)).json["outcome"] == "deleted"
    assert Exchange.get_or_none(Exchange.id == exchange_id) is None
