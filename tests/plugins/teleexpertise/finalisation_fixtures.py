"""Worlds for finalisation's tests: a téléexpertise written straight into the tables (the request side's own
tests cover how one is asked for), with a question, a photo, an answer and an earlier synthesis."""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

from kernel import current_relais, utcnow
from kernel.models import Account, Exchange, Identity, Membership, Message, MessageAttachment, Patient
from kernel.testing import make_patient
from plugins.teleexpertise.models import REPONDUE, Expert, Request

PNG_1PX = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x02\x00\x00\x00\x02\x08\x02\x00\x00\x00\xfd\xd4\x9as"
           b"\x00\x00\x00\x16IDATx\x9cc\xfc\xcf\xc0\xf0\x9f\x81\x81\x81\x81\x09\x88\x19\x18\x00\x00\x1b\xfd\x03"
           b"\xfd\x8b\x9e\x8b\xf5\x00\x00\x00\x00IEND\xaeB`\x82")
NIR = "279035121518989"  # a valid NIR (STANDARDS.md)
REQUESTER_AM = "751234568"
EXPERT_AM = "691234567"


@dataclass
class Case:
    request: Request
    exchange: Exchange
    patient: Patient
    question: Message
    photo: Message
    answer: Message
    synthesis: Message
    messages: list[Message] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"/teleexpertise/exchanges/{self.exchange.id}/finalisation"

    def ids(self, *messages: Message) -> list[int]:
        return [m.id for m in messages]


def make_expert(identity: Identity, billing_number: str | None = EXPERT_AM) -> Expert:
    found = Expert.get_or_none(Expert.identity == identity.id)
    return found or Expert.create(identity=identity.id, scope="Dermatologie : lésions cutanées",
                                  prerequisites="Merci de joindre une photo nette.", billing_number=billing_number)


def _say(exchange: Exchange, author: Account | None, identity: Identity | None, body: str, kind: str = "text",
         at: dt.datetime | None = None) -> Message:
    return Message.create(exchange=exchange.id, author=author.id if author else None,
                          acting_as=identity.id if identity else None, kind=kind, body=body,
                          created_at=at or utcnow())


def make_case(requester: Account, expert_identity: Identity, expert_account: Account, *, status: str = REPONDUE,
              patient: Patient | None = None, requester_identity: Identity | None = None,
              extra_messages: int = 0) -> Case:
    """A téléexpertise from ``requester`` (acting as ``requester_identity``, by default themself) to
    ``expert_identity``, answered by ``expert_account``."""
    requester_identity = requester_identity or requester.identity
    if patient is None:
        patient = Patient.get_or_none(Patient.ins == NIR) or make_patient(
            "Jeanne", "DUPONT", ins=NIR, birth_date=dt.date(1979, 3, 15), in_care_of=requester)
    expert = make_expert(expert_identity)
    start = utcnow() - dt.timedelta(hours=3)
    exchange = Exchange.create(channel="teleexpertise", space="chat", subject=f"Avis dermatologique : {patient.short_name}",
                               patient=patient.id, created_by=requester.id, acting_as=requester_identity.id,
                               status=status, created_at=start, last_message_at=start)
    Membership.create(exchange=exchange.id, identity=requester_identity.id, role="owner")
    Membership.create(exchange=exchange.id, identity=expert_identity.id, role="member")
    question = _say(exchange, requester, requester_identity,
                    "Bonjour, lésion pigmentée du dos apparue il y a 3 mois, asymétrique. Qu'en pensez-vous ?",
                    at=start)
    photo = _say(exchange, requester, requester_identity, "Photo de la lésion.", at=start + dt.timedelta(minutes=1))
    picture = current_relais().attachments.save(io.BytesIO(PNG_1PX), "lesion-dos.png", requester)
    MessageAttachment.create(message=photo.id, attachment=picture.id)
    messages = [question, photo]
    for n in range(extra_messages):
        messages.append(_say(exchange, requester, requester_identity, f"Précision numéro {n + 1}.",
                             at=start + dt.timedelta(minutes=2, seconds=n)))
    answer = _say(exchange, expert_account, expert_identity,
                  "Aspect évocateur d'un nævus atypique : exérèse conseillée sous 1 mois.",
                  at=start + dt.timedelta(hours=1))
    synthesis = _say(exchange, expert_account, None, "Synthèse générée : brouillon", kind="synthesis",
                     at=start + dt.timedelta(hours=2))
    messages += [answer, synthesis]
    request = Request.create(
        exchange=exchange.id, expert=expert.id, expert_identity=expert_identity.id, requester=requester_identity.id,
        requested_by=requester.id, patient=patient.id, nir=NIR, billing_number=REQUESTER_AM, consent=True,
        prerequisites=expert.prerequisites, status=status, requested_at=start,
        answers=[{"name": "duree", "label": "Depuis combien de temps ?", "type": "text", "value": "3 mois",
                  "display": "3 mois"},
                 {"name": "saigne", "label": "La lésion saigne-t-elle ?", "type": "yesno", "value": False,
                  "display": "Non"}],
        answered_at=start + dt.timedelta(hours=1), answered_by=expert_account.id, opened_at=start)
    return Case(request, exchange, patient, question, photo, answer, synthesis, messages)


def finalise_body(case: Case, *, messages: list[int] | None = None, **extra: Any) -> dict[str, Any]:
    chosen = messages if messages is not None else case.ids(case.question, case.photo, case.answer)
    return {"messages": chosen, "conclusion": "Exérèse du nævus conseillée ; revoir le patient avec l'histologie.",
            "billing_number": EXPERT_AM, **extra}
