"""Searching the mail space ignores case and accents on sender, subject and patient, on SQLite (whose
LOWER() folds ASCII only) and PostgreSQL alike; an older database gets its search columns filled."""
from __future__ import annotations

import datetime as dt
import json
from email.headerregistry import Address
from email.message import EmailMessage

import pytest

from kernel.mail.inbound import accept
from kernel.models import Exchange
from mail.mail_helpers import mail_app, publish_address
from support.factories import bearer, make_account, make_patient
from support.migrations import empty_database, insert, migrate_kernel_to, old_database, upgraded

DOMAIN = "a.mssante.fr"


@pytest.fixture
def mail(make_app, backend):
    app = mail_app(make_app, backend, DOMAIN)
    with app.app_context():
        yield app


def receive(subject: str, name: str, sender: str, to: str = f"julie@{DOMAIN}") -> None:
    msg = EmailMessage()
    msg["From"] = Address(display_name=name, addr_spec=sender)
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content("Bonjour.")
    assert accept(msg.as_bytes(), sender, [to], source="local")[to][0] == 250


def subjects(client, account, **params) -> list[str]:
    r = client.get("/mssante_mail/search", headers=bearer(account), query_string=params)
    assert r.status_code == 200, r.json
    return sorted(e["subject"] for e in r.json["exchanges"])


def test_sender_subject_and_patient_ignore_case_and_accents(mail):
    julie = make_account("julie", "Julie", "Bernard", addresses=(f"julie@{DOMAIN}",))
    receive("Échographie cardiaque", "Émilie LEFÈVRE", "emilie.lefevre@chu.mssante.fr")
    receive("Bilan œdème", "Noël Ørsted", "n.orsted@clinique.mssante.fr")
    receive("Autre sujet", "Paul Noir", "paul.noir@chu.mssante.fr")
    client = mail.test_client()
    for sender in ("émilie", "EMILIE", "Émilie lefevre", "lefèvre", "emilie.lefevre@chu", "EMILIE.LEFEVRE@CHU.MSSANTE.FR"):
        assert subjects(client, julie, sender=sender) == ["Échographie cardiaque"], sender
    for sender in ("noel", "NOËL", "orsted"):
        assert subjects(client, julie, sender=sender) == ["Bilan œdème"], sender
    for subject in ("echographie", "ÉCHO", "Echographie CARDIAQUE", "cardiaque écho"):
        assert subjects(client, julie, subject=subject) == ["Échographie cardiaque"], subject
    assert subjects(client, julie, subject="oedeme") == ["Bilan œdème"]
    assert subjects(client, julie, q="émilie") == subjects(client, julie, q="echographie") == ["Échographie cardiaque"]
    # A word must start a word: no match in the middle of one, and every word typed counts.
    assert subjects(client, julie, sender="milie") == []
    assert subjects(client, julie, sender="émilie noir") == []
    assert subjects(client, julie, sender="chu") == ["Autre sujet", "Échographie cardiaque"]
    # Wildcards typed by the user are not wildcards.
    everything = subjects(client, julie)
    assert subjects(client, julie, sender="%") == subjects(client, julie, subject="_") == everything

    # The patient, once chosen for the thread.
    patient = make_patient("Éloïse", "GÉRARD")
    exchange = Exchange.get(Exchange.subject == "Autre sujet")
    exchange.patient = patient
    exchange.save()
    for text in ("eloise", "ÉLOÏSE gerard", "Gérard"):
        assert subjects(client, julie, patient=text) == ["Autre sujet"], text
        assert subjects(client, julie, q=text) == ["Autre sujet"], text


def test_a_renamed_subject_is_searched_by_its_new_words(mail):
    julie = make_account("julie", "Julie", "Bernard", addresses=(f"julie@{DOMAIN}",))
    publish_address("thomas@b.mssante.fr")
    client = mail.test_client()
    r = client.post("/api/v1/channels/mssante_mail/exchanges", headers=bearer(julie), json={
        "acting_as": julie.identity_id, "recipients": ["thomas@b.mssante.fr"], "subject": "Plaie du pied",
        "body": "Bonjour"})
    exchange = Exchange.get_by_id(r.json["exchange"]["id"])
    assert exchange.search_subject == " plaie du pied"
    assert client.patch(f"/api/v1/exchanges/{exchange.id}", headers=bearer(julie),
                        json={"subject": "Ulcère du talon"}).status_code == 200
    assert subjects(client, julie, subject="ulcere") == ["Ulcère du talon"]
    assert subjects(client, julie, subject="plaie") == []


def test_an_older_database_gets_its_search_columns_filled(tmp_path, request):
    url = empty_database("sqlite", tmp_path, request)
    with old_database(url) as db:
        migrate_kernel_to(db, "0005_mail")  # before the search columns
        now = dt.datetime(2026, 1, 2, 3, 4, 5)
        exchange = insert(db, "INSERT INTO exchange (channel, space, subject, status, created_at, last_message_at, "
                              "data) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                          ("mssante_mail", "mail", "Échographie", "open", now, now, "{}"))
        facts = {"mail": {"direction": "in", "from": "emilie.lefevre@chu.mssante.fr", "from_name": "Émilie LEFÈVRE"}}
        insert(db, "INSERT INTO message (exchange_id, kind, body, created_at, data) VALUES (%s, %s, %s, %s, %s)",
               (exchange, "mail", "<p>Bonjour</p>", now, json.dumps(facts)))
    with upgraded(url, tmp_path):
        exchange = Exchange.get()
        assert exchange.search_subject == " echographie"
        assert exchange.search_senders == " emilie lefevre chu mssante fr"
