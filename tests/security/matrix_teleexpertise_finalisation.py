"""Matrix helpers for téléexpertise finalisation: a request from the world's member to the world's structure
(the delegate is on the expert side), answered; a failed report of it to retry."""
from __future__ import annotations

from typing import Any

from kernel import utcnow
from kernel.models import Exchange, Membership, Message
from plugins.teleexpertise.finalisation_models import FAILED, Report
from plugins.teleexpertise.models import REPONDUE, Expert, Request
from security.matrix_world import SECRETS, World, join


def _request(world: World) -> Request:
    member = world.accounts["member"]
    expert = Expert.get_or_none(Expert.identity == world.structure.id) or Expert.create(
        identity=world.structure.id, scope="Avis", billing_number="691234567")
    exchange = Exchange.create(channel="teleexpertise", space="chat", subject=f"{SECRETS['subject']} : téléexpertise",
                               patient=world.patient.id, created_by=member.id, acting_as=member.identity_id)
    Membership.create(exchange=exchange.id, identity=member.identity_id, role="owner")
    Membership.create(exchange=exchange.id, identity=world.structure.id, role="member")
    join(exchange.id, world.accounts["deactivated"])
    Message.create(exchange=exchange.id, author=member.id, acting_as=member.identity_id,
                   body=f"{SECRETS['body']} : question")
    return Request.create(exchange=exchange.id, expert=expert.id, expert_identity=world.structure.id,
                          requester=member.identity_id, requested_by=member.id, patient=world.patient.id,
                          nir="279035121518989", billing_number="751234568", consent=True, status=REPONDUE,
                          answered_at=utcnow())


def teleexpertise(world: World, role: str) -> dict[str, Any]:
    """A fresh answered téléexpertise (a cell that finalises it spoils no other)."""
    with world.app.app_context():
        return {"exchange_id": _request(world).exchange_id}


def failed_report(world: World, role: str) -> dict[str, Any]:
    """A fresh téléexpertise whose first report failed: the expert side may retry it."""
    with world.app.app_context():
        request = _request(world)
        first = Message.select().where(Message.exchange == request.exchange_id).order_by(Message.id).first()
        report = Report.create(request=request.id, version=1, state=FAILED, message_ids=[first.id],
                               requested_by=world.accounts["delegate"].id, billing_number="691234567",
                               error="La génération du compte rendu a échoué.")
        return {"exchange_id": request.exchange_id, "report_id": report.id}
