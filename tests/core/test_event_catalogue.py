"""The event catalogue: every published event is catalogued with its fields, and documented in docs/plugins.md."""
from __future__ import annotations

import datetime as dt
import io
import logging
import re
import sys
from pathlib import Path

import pytest

from kernel import Connector, IntegrationReceipt, hookimpl
from kernel.db import write_transaction
from kernel.event_types import KERNEL_EVENT_TYPES, EventType, UncataloguedEvent
from kernel.models import Exchange, Job
from kernel.services.events import Event, publish_on_commit
from plugins.conversation import hooks as conversation
from plugins.mssante_mail import hooks as mssante_mail
from support.factories import bearer, make_account

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "plugins.md"
EXAMPLE = ROOT / "examples" / "relais-exemple-plugin"


class Listener:
    def __init__(self) -> None:
        self.heard: list[Event] = []

    @hookimpl
    def on_event(self, event: Event) -> None:
        self.heard.append(event)


class Software:
    """A connector whose software takes every document at once (integration.status)."""

    @hookimpl
    def register_connectors(self):
        return [Connector("logiciel_test", "Logiciel de test")]

    @hookimpl
    def integrate(self, target):
        return IntegrationReceipt("logiciel_test", True, "Document intégré.") if target == "logiciel_test" else None


def example_hooks():
    if str(EXAMPLE) not in sys.path:
        sys.path.insert(0, str(EXAMPLE))
    from relais_exemple_rappel import hooks

    return hooks


@pytest.fixture
def platform(make_app):
    """Every built-in plugin and the example plugin, mail between the platform's own mailboxes."""
    listener = Listener()
    app = make_app("sqlite", plugins=[("conversation", conversation), ("mssante_mail", mssante_mail),
                                      ("exemple_rappel", example_hooks()), ("listener", listener),
                                      ("software", Software())],
                   mail_domains=["a.mssante.fr"], mail_receiver_port=0)
    app.listener = listener
    with app.app_context():
        yield app


def catalogue(app) -> dict[str, EventType]:
    return app.extensions["relais"].event_types


# --- checked when published ------------------------------------------------------------------

def test_a_type_nobody_declared_is_refused_in_tests_and_never_leaves(platform):
    with pytest.raises(UncataloguedEvent, match="not in the catalogue"):
        with write_transaction():
            publish_on_commit(Event("message.sent", 1, (1,), {}))
    assert platform.listener.heard == []


def test_a_missing_or_undeclared_field_is_refused(platform):
    with pytest.raises(UncataloguedEvent, match="'channel' missing"):
        publish_on_commit(Event("exchange.created", 1, (1,), {"exchange_id": 1}))
    with pytest.raises(UncataloguedEvent, match="'colour' not in the catalogue"):
        publish_on_commit(Event("exchange.deleted", 1, (1,), {"exchange_id": 1, "colour": "rouge"}))
    publish_on_commit(Event("exchange.updated", 1, (1,), {"exchange_id": 1, "unread": 2}))  # an optional field
    assert [e.type for e in platform.listener.heard] == ["exchange.updated"]


@pytest.mark.parametrize("debug", [False, True])  # debug mode is no test: it logs too, as documented
def test_in_production_a_slip_is_logged_and_the_event_still_goes(platform, caplog, debug):
    platform.config["TESTING"] = False
    platform.debug = debug
    with caplog.at_level(logging.ERROR, logger="kernel.services.events"):
        publish_on_commit(Event("message.sent", 1, (1,), {}))
    assert "'message.sent': type not in the catalogue" in caplog.text
    assert [e.type for e in platform.listener.heard] == ["message.sent"]


def test_a_plugin_cannot_redeclare_a_kernel_type(make_app):
    class Squatter:
        @hookimpl
        def register_event_types(self):
            return [EventType("message.created", "Mine.")]

    app = make_app("sqlite", plugins=[("squatter", Squatter())])
    relais = app.extensions["relais"]
    status = next(s for s in relais.report.plugins if s.name == "squatter")
    assert status.status == "failed" and "message.created" in status.error
    assert relais.event_types["message.created"].description != "Mine."


# --- the main flows publish only catalogued events, and every catalogued type is published -------

def test_the_main_flows_publish_every_catalogued_type_and_nothing_else(platform):
    relais = platform.extensions["relais"]
    client = platform.test_client()
    alice = make_account("alice", addresses=("alice@a.mssante.fr",))
    bob = make_account("bob", "Bob", "Durand", addresses=("bob@a.mssante.fr",))
    carol = make_account("carol", "Carole", "Petit")

    # A conversation: started, read, a member added, renamed.
    r = client.post("/api/v1/channels/conversation/exchanges", headers=bearer(alice), json={
        "acting_as": alice.identity_id, "members": [bob.identity_id], "subject": "Plaie", "body": "Bonjour"})
    assert r.status_code == 201, r.json
    chat = r.json["exchange"]["id"]
    assert client.post(f"/api/v1/exchanges/{chat}/read", headers=bearer(bob), json={}).status_code == 200
    assert client.post(f"/api/v1/exchanges/{chat}/members", headers=bearer(alice),
                       json={"members": [carol.identity_id]}).status_code == 201
    assert client.patch(f"/api/v1/exchanges/{chat}", headers=bearer(alice), json={"subject": "Plaie du pied"}) \
        .status_code == 200

    # A mail from one of the platform's mailboxes to another: sent, received, marked unread, deleted.
    r = client.post("/api/v1/channels/mssante_mail/exchanges", headers=bearer(alice), json={
        "acting_as": alice.identity_id, "recipients": ["bob@a.mssante.fr"], "subject": "Avis", "body": "Bonjour"})
    assert r.status_code == 201, r.json
    relais.jobs.run_pending()
    received = Exchange.get((Exchange.channel == "mssante_mail") & (Exchange.id != r.json["exchange"]["id"])).id
    assert client.post(f"/mssante_mail/exchanges/{received}/unread", headers=bearer(bob)).status_code == 200
    assert client.delete(f"/mssante_mail/exchanges/{received}", headers=bearer(bob)).status_code == 200

    # A program's token revoked by its owner: its live sockets are told (rights.changed).
    token_id = client.get("/api/v1/me/tokens", headers=bearer(carol)).json["tokens"][0]["id"]
    assert client.delete(f"/api/v1/me/tokens/{token_id}", headers=bearer(carol)).status_code == 204

    # The example plugin's reminder: programmed, then due.
    hooks = example_hooks()
    r = client.post("/api/v1/channels/exemple_rappel/exchanges", headers=bearer(alice), json={
        "acting_as": alice.identity_id, "members": [bob.identity_id], "subject": "Bilan",
        "remind_on": (hooks.today() + dt.timedelta(days=1)).isoformat()})
    assert r.status_code == 201, r.json
    Job.update(run_at=dt.datetime(2000, 1, 1)).where(Job.name == hooks.REMIND_JOB).execute()
    relais.jobs.run_pending()

    # A document pushed into the user's software.
    upload = client.post("/api/v1/attachments", headers=bearer(alice), content_type="multipart/form-data",
                         data={"file": (io.BytesIO(b"%PDF-1.4 cr"), "cr.pdf")}).json["attachment"]
    assert client.post(f"/api/v1/attachments/{upload['id']}/integrate", headers=bearer(alice),
                       json={"target": "logiciel_test"}).status_code == 200

    heard = platform.listener.heard
    for event in heard:  # checked when published already; checked again here, against the whole catalogue
        assert catalogue(platform)[event.type].problems(event.data) == [], event
    assert {e.type for e in heard} == set(catalogue(platform))
    system_lines = [e.data["body"] for e in heard if e.type == "message.created" and e.data["kind"] == "system"]
    assert system_lines == ["Alice MARTIN a ajouté Carole PETIT.", "Alice MARTIN a renommé l'échange en « Plaie du pied ».",
                            "Rappel : Bilan"]


# --- documented in docs/plugins.md -------------------------------------------------------------

CATALOGUE_SECTION = "### The event catalogue"


def documented_rows() -> dict[str, str]:
    """Rows of the tables of docs/plugins.md's event catalogue: type -> the row's text."""
    text = DOC.read_text(encoding="utf-8")
    assert CATALOGUE_SECTION in text, f"docs/plugins.md has no '{CATALOGUE_SECTION}' section"
    section = re.split(r"^#{1,3} ", text.split(CATALOGUE_SECTION, 1)[1], maxsplit=1, flags=re.M)[0]
    rows = {}
    for line in section.splitlines():
        found = re.match(r"^\|\s*`([a-z_]+\.[a-z_.]+)`\s*\|", line)
        if found:
            rows[found.group(1)] = line
    return rows


def every_declared_type(platform) -> dict[str, EventType]:
    return dict(catalogue(platform))


def test_every_catalogued_type_is_documented_with_its_fields(platform):
    rows = documented_rows()
    for event_type in every_declared_type(platform).values():
        assert event_type.name in rows, f"docs/plugins.md has no row for the event type {event_type.name!r}"
        for name in [*event_type.fields, *event_type.optional]:
            assert f"`{name}`" in rows[event_type.name], (
                f"docs/plugins.md: the row of {event_type.name!r} does not name its field `{name}`")


def test_no_documented_event_type_is_missing_from_the_catalogue(platform):
    stale = sorted(set(documented_rows()) - set(every_declared_type(platform)))
    assert not stale, f"docs/plugins.md documents event types nobody declares: {stale}"


def test_the_kernel_catalogue_is_what_the_app_starts_with(make_app):
    app = make_app("sqlite", plugins=[])
    assert set(catalogue(app)) == {t.name for t in KERNEL_EVENT_TYPES}
