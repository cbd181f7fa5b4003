"""The conversation's synthesis is signed with the platform's configured name (setting platform_name), the
name its users know from every page, not the software's."""
from __future__ import annotations

import pytest

from kernel.models import Account, Exchange, Message
from plugins.conversation import hooks as conversation
from plugins.conversation.synthesis import build_synthesis

pytestmark = pytest.mark.relais(plugins=[("conversation", conversation)], platform_name="Santé Lac Annecy")


def test_the_synthesis_footer_names_the_configured_platform(relais_alice, relais_bob):
    alice, bob = relais_alice, relais_bob
    r = alice.api.post("/api/v1/channels/conversation/exchanges", json={
        "acting_as": alice.identity_id, "members": [bob.identity_id], "subject": "Plaie", "body": "Bonjour"})
    assert r.status_code == 201, r.json
    exchange = Exchange.get_by_id(r.json["exchange"]["id"])
    messages = list(Message.select().where(Message.exchange == exchange.id).order_by(Message.id))
    html = build_synthesis(exchange, messages, Account.get_by_id(alice.account.id)).html
    assert "avec Santé Lac Annecy.</p>" in html
    assert "Relais Santé" not in html
