"""Statuses (TE-5): every transition and who may make it, the automatic « en cours », the trace (history,
audit, system line), the status in the inbox row and the live event, sent only once the change commits."""
from __future__ import annotations

import pytest

from kernel.models import AuditEvent, Message
from plugins.teleexpertise import statuses
from plugins.teleexpertise.models import Request, StatusChange

from .conftest import PLUGINS

pytestmark = pytest.mark.relais(plugins=PLUGINS)


def _status(world, user, exchange_id, to, **body):
    return user.api.post(f"/teleexpertise/api/echanges/{exchange_id}/statut/{to}", json=body)


def _request(exchange_id):
    return Request.get(Request.exchange == exchange_id)


def test_the_expert_takes_on_answers_and_reopens(world):
    exchange_id = world.start()
    r = _status(world, world.expert, exchange_id, "en_cours")
    assert r.status_code == 200 and r.json["request"]["status"] == "en_cours"
    assert r.json["request"]["allowed"] == ["repondue", "refusee"]
    assert _status(world, world.expert, exchange_id, "repondue").json["request"]["status"] == "repondue"
    request = _request(exchange_id)
    assert request.answered_by_id == world.expert.account.id and request.answered_at and request.opened_at
    assert _status(world, world.expert, exchange_id, "en_cours").json["request"]["status"] == "en_cours"
    history = [(c.previous, c.status, c.by_id) for c in StatusChange.select().order_by(StatusChange.id)]
    expert = world.expert.account.id
    assert history == [("", "demandee", world.requester.account.id), ("demandee", "en_cours", expert),
                       ("en_cours", "repondue", expert), ("repondue", "en_cours", expert)]
    lines = [m.body for m in Message.select().where(Message.kind == "system").order_by(Message.id)]
    assert lines == ["Bob DURAND a pris en charge la demande de téléexpertise.",
                     "Bob DURAND a donné sa réponse : téléexpertise répondue.",
                     "Bob DURAND a rouvert la téléexpertise."]
    audits = AuditEvent.select().where(AuditEvent.action == "teleexpertise.status")
    assert [a.detail.split(" ")[1] for a in audits.order_by(AuditEvent.id)] == [
        "demandee->en_cours", "en_cours->repondue", "repondue->en_cours"]
    assert all(a.account_id == expert and a.target == f"exchange:{exchange_id}" for a in audits)


def test_the_expert_may_answer_at_once(world):
    exchange_id = world.start()
    assert _status(world, world.expert, exchange_id, "repondue").status_code == 200


def test_a_refusal_needs_a_reason_the_requester_reads(world):
    exchange_id = world.start()
    r = _status(world, world.expert, exchange_id, "refusee")
    assert r.status_code == 422 and r.json["errors"] == {"reason": ["Indiquez le motif du refus : le demandeur le lira."]}
    assert _request(exchange_id).status == "demandee"
    r = _status(world, world.expert, exchange_id, "refusee", reason="Hors de mon périmètre.")
    assert r.status_code == 200 and _request(exchange_id).status_reason == "Hors de mon périmètre."
    panels = world.requester.api.get(f"/api/v1/exchanges/{exchange_id}").json["exchange"]["panels"]
    assert panels[0]["title"] == "Téléexpertise refusée" and "Motif : Hors de mon périmètre." in panels[0]["text"]
    assert panels[0]["level"] == "danger"
    # final: nothing moves it any more
    r = _status(world, world.expert, exchange_id, "en_cours")
    assert r.status_code == 409 and "« refusée »" in r.json["errors"]["status"][0]
    assert _status(world, world.requester, exchange_id, "annulee").status_code == 409


def test_the_requester_cancels_with_or_without_a_reason(world):
    first, second = world.start(), world.start()
    assert _status(world, world.requester, first, "annulee").status_code == 200
    assert _status(world, world.requester, second, "annulee", reason="Vu en consultation.").status_code == 200
    assert _request(second).status_reason == "Vu en consultation."
    lines = [m.body for m in Message.select().where(Message.kind == "system").order_by(Message.id)]
    assert lines[-1] == "Alice MARTIN a annulé la demande de téléexpertise. Motif : Vu en consultation."


@pytest.mark.parametrize("who, to", [
    ("requester", "en_cours"), ("requester", "repondue"), ("requester", "refusee"),
    ("expert", "annulee"),
])
def test_each_side_is_refused_the_others_changes_with_a_french_403(world, who, to):
    exchange_id = world.start()
    r = _status(world, getattr(world, who), exchange_id, to, reason="motif")
    assert r.status_code == 403, r.json
    assert r.json["errors"]["status"][0].startswith("Seul")
    assert _request(exchange_id).status == "demandee" and StatusChange.select().count() == 1


def test_a_professional_added_to_the_thread_sees_it_but_changes_nothing(world):
    exchange_id = world.start()
    added = world.requester.api.post(f"/api/v1/exchanges/{exchange_id}/members",
                                     json={"members": [world.outsider.identity_id]})
    assert added.status_code == 201  # TE-4: adding professionals
    assert world.outsider.api.get(f"/teleexpertise/api/echanges/{exchange_id}/demande").json["request"]["side"] == "member"
    for to in ("en_cours", "repondue", "annulee"):
        assert _status(world, world.outsider, exchange_id, to).status_code == 403
    actions = world.outsider.api.get(f"/api/v1/exchanges/{exchange_id}").json["exchange"]["actions"]
    assert [a for a in actions if a["name"].startswith("teleexpertise_")
            and a["name"] in ("teleexpertise_take", "teleexpertise_cancel")] == []


def test_an_outsider_gets_404_on_every_request_route(world):
    exchange_id = world.start()
    for to in ("en_cours", "annulee"):
        assert _status(world, world.outsider, exchange_id, to).status_code == 404
    assert world.outsider.api.get(f"/teleexpertise/api/echanges/{exchange_id}/demande").status_code == 404
    assert _request(exchange_id).status == "demandee"


def test_a_department_member_acts_for_the_structure_expert(world):
    exchange_id = world.start(expert=world.department.id, answers={})
    actions = world.member.api.get(f"/api/v1/exchanges/{exchange_id}").json["exchange"]["actions"]
    assert [(a["name"], a["prompt"]) for a in actions if a["url"].startswith("/teleexpertise/")] == [
        ("teleexpertise_take", ""), ("teleexpertise_answered", ""),
        ("teleexpertise_refuse", "Motif du refus (le demandeur le lira)")]
    assert _status(world, world.member, exchange_id, "en_cours").status_code == 200
    assert _status(world, world.expert, exchange_id, "repondue").status_code == 404  # another expert: no member
    requester_actions = world.requester.api.get(f"/api/v1/exchanges/{exchange_id}").json["exchange"]["actions"]
    assert [a["name"] for a in requester_actions if a["url"].startswith("/teleexpertise/")] == ["teleexpertise_cancel"]


def test_a_secretary_acting_for_the_expert_sees_the_thread_but_is_not_the_expert(world, relais_user):
    """A person-to-person delegation does not make its holder the expert: taking, answering, refusing are the
    expert's (and TE2 is billed to whoever finalises)."""
    from kernel.models import Delegation
    secretary = relais_user("sandrine", "Sandrine", "Secretaire", profession="Secrétaire médicale")
    Delegation.create(delegate=secretary.account, principal=world.expert.identity_id)
    exchange_id = world.start()
    thread = secretary.api.get(f"/api/v1/exchanges/{exchange_id}")
    assert thread.status_code == 200  # she reads Dr Durand's threads...
    assert [a["name"] for a in thread.json["exchange"]["actions"] if a["url"].startswith("/teleexpertise/")] == []
    assert _request(exchange_id).status == "demandee"  # ...without taking the request by reading it
    detail = secretary.api.get(f"/teleexpertise/api/echanges/{exchange_id}/demande").json["request"]
    assert (detail["side"], detail["allowed"]) == ("member", [])
    for to, body in (("en_cours", {}), ("repondue", {}), ("refusee", {"reason": "Hors périmètre"})):
        r = _status(world, secretary, exchange_id, to, **body)
        assert r.status_code == 403 and "Seul l'expert sollicité" in r.json["errors"]["status"][0], r.json
    assert _request(exchange_id).status == "demandee"
    assert secretary.api.get("/teleexpertise/api/demandes/a-traiter").json["count"] == 0
    assert secretary.api.get("/teleexpertise/api/demandes?role=expert").json["requests"] == []
    assert world.expert.api.get("/teleexpertise/api/demandes/a-traiter").json["count"] == 1


def test_finalisation_is_not_a_status_route(world):
    exchange_id = world.start()
    _status(world, world.expert, exchange_id, "repondue")
    r = _status(world, world.expert, exchange_id, "finalisee")
    assert r.status_code == 409 and _request(exchange_id).status == "repondue"
    assert _status(world, world.expert, exchange_id, "inconnu").status_code == 422


def test_finalisation_changes_the_status_through_the_machine(world):
    exchange_id = world.start()
    request = statuses.change(_request(exchange_id), "repondue", world.expert.account)
    done = statuses.change(request, "finalisee", world.expert.account)
    assert done.status == "finalisee" and done.finalised_at is not None
    with pytest.raises(statuses.StatusRefused):
        statuses.change(done, "en_cours", world.expert.account)


def test_the_expert_opening_or_writing_puts_it_in_progress(world):
    opened, written = world.start(), world.start()
    # The requester reading its own thread changes nothing.
    world.requester.api.post(f"/api/v1/exchanges/{opened}/read", json={})
    assert _request(opened).status == "demandee"
    assert world.expert.api.post(f"/api/v1/exchanges/{opened}/read", json={}).status_code == 200
    assert _request(opened).status == "en_cours"
    assert world.expert.api.post(f"/api/v1/exchanges/{written}/messages", json={"body": "Je regarde."}).status_code == 201
    request = _request(written)
    assert request.status == "en_cours" and request.opened_at is not None
    line = Message.select().where((Message.exchange == written) & (Message.kind == "system")).get()
    assert line.body == "Bob DURAND a ouvert la demande : téléexpertise en cours."
    assert AuditEvent.select().where(AuditEvent.detail.contains("automatic")).count() == 2


def test_the_status_shows_in_the_inbox_row_of_both_sides(world):
    exchange_id = world.start()
    _status(world, world.expert, exchange_id, "repondue")
    for user in (world.requester, world.expert):
        row = next(e for e in user.api.get("/api/v1/exchanges?space=chat").json["exchanges"] if e["id"] == exchange_id)
        assert row["status_label"] == {"text": "Répondue", "level": "success"} and row["status"] == "repondue"


def test_the_thread_pins_the_prerequisites_and_the_answers(world):
    exchange_id = world.start()
    panels = {p["name"]: p for p in world.expert.api.get(f"/api/v1/exchanges/{exchange_id}").json["exchange"]["panels"]}
    assert panels["teleexpertise_status"]["title"] == "Téléexpertise demandée"
    assert panels["teleexpertise_prerequisites"]["text"] == "Merci de joindre des photos nettes."
    items = panels["teleexpertise_request"]["data"]["items"]
    assert {"label": "Taille", "value": "7,5 mm"} in items and {"label": "NIR du patient",
                                                                  "value": "2 79 03 51 215 189 89"} in items


@pytest.mark.parametrize("backend", ["postgres"])
def test_two_members_of_a_department_pressing_at_once_one_is_told_it_changed(relais_app, world):
    """The second change waits for the first's row lock, then finds the status moved: 409, nothing written."""
    import threading
    import time

    from kernel import write_transaction

    exchange_id = world.start(expert=world.department.id, answers={})
    other = world.member.account  # two presses by members of the department
    outcome: list[object] = []

    def second_press():
        with relais_app.app_context():
            try:
                statuses.change(_request(exchange_id), "repondue", other)
                outcome.append("changed")
            except statuses.StatusRefused as exc:
                outcome.append(exc.message)

    with write_transaction():
        statuses.change(_request(exchange_id), "en_cours", other)
        racer = threading.Thread(target=second_press)
        racer.start()
        time.sleep(0.5)  # the second press now waits for this transaction's row lock
        assert outcome == []
    racer.join(10)
    assert outcome == ["La téléexpertise vient de changer de statut : rechargez la page."]
    assert _request(exchange_id).status == "en_cours"
    assert [c.status for c in StatusChange.select().order_by(StatusChange.id)] == ["demandee", "en_cours"]
