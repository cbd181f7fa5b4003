"""The demo's stand-in operator (kernel/demo_operator.py): mail to the fictitious directory shows « remis »."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from kernel.demo_directory import OUTSIDE_DOMAIN, seed_directory
from kernel.demo_operator import DemoOperator, serves
from kernel.mail.models import OutgoingRecipient
from kernel.models.directory import DirectoryAddress
from mail.mail_helpers import mail_app, relais_of
from support.factories import bearer, make_account


@pytest.fixture
def demo_mail(make_app, tmp_path: Path):
    app = mail_app(make_app, "sqlite", "demo.relais-sante.mssante.fr", demo=True)
    operator = DemoOperator()
    with app.app_context():
        seed_directory(tmp_path, professionals=40, services=5)
        julie = make_account("julie", "Julie", "Bernard", addresses=("julie.bernard@demo.relais-sante.mssante.fr",))
        operator.start()
    try:
        yield app, julie, operator
    finally:
        operator.stop()


def send(app, julie, to: str) -> int:
    r = app.test_client().post("/api/v1/channels/mssante_mail/exchanges", headers=bearer(julie), json={
        "acting_as": julie.identity_id, "recipients": [to], "subject": "Avis cardiologique",
        "body": "<p>Bonjour, pourriez-vous voir Mme Dupont ?</p>", "attachments": []})
    assert r.status_code == 201, r.json
    return r.json["exchange"]["id"]


def labels(app, julie, exchange_id: int) -> list[tuple[str, str]]:
    status = app.test_client().get(f"/mssante_mail/exchanges/{exchange_id}/status", headers=bearer(julie)).json
    return [(s["address"], s["label"]) for s in next(iter(status["messages"].values()))]


def wait_for(app, julie, exchange_id: int, label: str) -> list[tuple[str, str]]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        seen = labels(app, julie, exchange_id)
        if all(lab == label for _, lab in seen):
            return seen
        time.sleep(0.1)
    return seen


def test_it_becomes_the_relay_of_the_demo(demo_mail) -> None:
    app, _, operator = demo_mail
    assert operator.port and relais_of(app).config["mail_relay_port"] == operator.port


def test_a_mail_to_a_directory_doctor_is_acknowledged_and_shows_remis(demo_mail) -> None:
    app, julie, _ = demo_mail
    with app.app_context():
        doctor = DirectoryAddress.select().where(DirectoryAddress.bal_type == "PER").first().address
        assert doctor.endswith("." + OUTSIDE_DOMAIN)
        exchange_id = send(app, julie, doctor)
        assert relais_of(app).jobs.run_pending() == 1  # SMTP to the stand-in operator
        assert wait_for(app, julie, exchange_id, "remis") == [(doctor, "remis")]
        assert OutgoingRecipient.get().status == "delivered"


def test_an_address_outside_the_fictitious_domains_is_refused_by_the_stand_in(demo_mail) -> None:
    app, julie, operator = demo_mail
    with app.app_context():
        from mail.mail_helpers import publish_address
        publish_address("someone@chu.mssante.fr", "Dr Quelqu'un AILLEURS")
        exchange_id = send(app, julie, "someone@chu.mssante.fr")
        relais_of(app).jobs.run_pending()
        [(address, label)] = labels(app, julie, exchange_id)
        assert (address, label) == ("someone@chu.mssante.fr", "échec")


@pytest.mark.parametrize("address, served", [
    (f"jean.martin@medecin.{OUTSIDE_DOMAIN}", True), (f"urgences@chu-lyon.{OUTSIDE_DOMAIN}", True),
    ("279035121518989@patient.mssante.fr", True),  # Mon Espace Santé: the usager channel's mail is acknowledged
    ("julie.bernard@demo.relais-sante.mssante.fr", False),  # the demo's own domain is delivered locally
    (f"x@{OUTSIDE_DOMAIN}.example.org", False), ("someone@chu.mssante.fr", False),
])
def test_the_domains_it_serves(address: str, served: bool) -> None:
    assert serves(address) is served
