"""Every hook of kernel/hookspecs.py, exercised through the HTTP API and the services, effects asserted.

Test names start with ``test_hook_<hook name>``: test_hook_docs.py requires one for every hookspec.
The plugin under test is tests/support/every_hook_plugin.py.
"""
from __future__ import annotations

import html
import io
import re

import pytest

from kernel import hookimpl
from kernel.migrate import MigrationSet, pending
from kernel.models import Account, Attachment, Exchange, Job, Message
from support.chat_channel import ChatChannel
from support.every_hook_plugin import (ASSET_EARLY_STYLE, ASSET_MISSING, ASSET_SCRIPT, ASSET_STYLE, CHANNEL,
                                       CONNECTOR, COPY_FIELD, COPY_NEEDS_PATIENT, CRASH, DEMO_NOTE, MIGRATIONS, PUSH_JOB, REFUSED,
                                       REFUSED_MESSAGE, CopyToSoftwareAddon, EveryHookPlugin, HookDemoNote)
from support.factories import PASSWORD, bearer, make_account, make_patient


@pytest.fixture
def plugin() -> EveryHookPlugin:
    return EveryHookPlugin()


def _plugins(plugin: EveryHookPlugin, addon: bool = True) -> list:
    found = [("test_chat", ChatChannel()), ("every_hook", plugin)]
    return found + [("copy_to_software", CopyToSoftwareAddon())] if addon else found


@pytest.fixture
def demo(make_app, plugin):
    """An app (SQLite) with the test chat channel, the every-hook plugin and the copy-to-software addon."""
    app = make_app("sqlite", plugins=_plugins(plugin))
    with app.app_context():
        yield app


@pytest.fixture
def demo_any(make_app, plugin, backend):
    """The same app on SQLite and on PostgreSQL: for what depends on transactions."""
    app = make_app(backend, plugins=_plugins(plugin))
    with app.app_context():
        yield app


@pytest.fixture
def people():
    # Created inside whichever app fixture the test asked for (it is already in context).
    return make_account("alice"), make_account("bob", "Bob", "Durand")


def _start(client, author, to, channel=CHANNEL, **fields):
    payload = {"acting_as": author.identity_id, "members": [to.identity_id], "subject": "Plaie du pied",
               "body": "Bonjour", **fields}
    return client.post(f"/api/v1/channels/{channel}/exchanges", headers=bearer(author), json=payload)


def _stored() -> dict[str, int]:
    return {"exchanges": Exchange.select().count(), "messages": Message.select().count(),
            "notes": HookDemoNote.select().count(), "jobs": Job.select().where(Job.name == PUSH_JOB).count()}


def _relais(app):
    return app.extensions["relais"]


# --- register_channels -------------------------------------------------------------------------

def test_hook_register_channels_feeds_the_channel_list(demo, people):
    alice, _ = people
    r = demo.test_client().get("/api/v1/channels", headers=bearer(alice))
    assert r.status_code == 200
    mine = next(c for c in r.json["channels"] if c["name"] == CHANNEL)
    assert mine == {"name": CHANNEL, "label": "Démo de tous les hooks", "group": "MonSisra", "space": "chat",
                    "order": 90, "description": "Canal de test : chaque hook y laisse une trace.",
                    "receives_mail": False}
    monsisra = next(g for g in r.json["groups"] if g["name"] == "MonSisra")
    assert monsisra["channels"] == ["test_chat", CHANNEL]  # ordered by the channels' ``order``
    assert set(_relais(demo).channels) == {"test_chat", "test_mail", CHANNEL}


def test_hook_register_channels_sets_the_space_of_new_exchanges(demo, people):
    alice, bob = people
    r = _start(demo.test_client(), alice, bob)
    assert r.status_code == 201, r.json
    assert Exchange.get_by_id(r.json["exchange"]["id"]).space == "chat"


# --- compose_form ------------------------------------------------------------------------------

def test_hook_compose_form_gives_owner_fields_with_defaults_from_patient_and_account(demo, people):
    alice, _ = people
    patient = make_patient("Cecilia", "REPAP TEST", in_care_of=alice)
    r = demo.test_client().get(f"/api/v1/channels/{CHANNEL}/form?patient={patient.id}", headers=bearer(alice))
    assert r.status_code == 200
    fields = {f["name"]: f for f in r.json["fields"]}
    # The kernel's "acting as" first, the owner's fields by order, the addon's last (order 90).
    assert [f["name"] for f in r.json["fields"]] == ["acting_as", "members", "patient", "subject", "body", COPY_FIELD]
    assert fields["subject"]["default"] == "Au sujet de Cecilia REPAP TEST"
    assert fields["subject"]["placeholder"] == "Écrit par Alice MARTIN"
    r = demo.test_client().get(f"/api/v1/channels/{CHANNEL}/form", headers=bearer(alice))
    assert {f["name"]: f for f in r.json["fields"]}["subject"]["default"] is None


def test_hook_compose_form_additions_from_another_plugin_reach_form_openapi_and_send(demo, people):
    alice, bob = people
    client = demo.test_client()
    fields = client.get("/api/v1/channels/test_chat/form", headers=bearer(alice)).json["fields"]
    copy = next(f for f in fields if f["name"] == COPY_FIELD)
    assert (copy["type"], copy["label"], copy["default"]) == ("checkbox", "Envoyer une copie à mon logiciel", None)

    spec = client.get("/api/openapi.json").json
    ref = spec["paths"]["/api/v1/channels/test_chat/exchanges"]["post"]["requestBody"]["content"][
        "application/json"]["schema"]["$ref"]
    draft = spec["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    assert draft["properties"][COPY_FIELD]["type"] == "boolean"
    assert {"members", "subject", COPY_FIELD} <= set(draft["properties"])

    patient = make_patient(in_care_of=alice)
    r = _start(client, alice, bob, channel="test_chat", patient=patient.id, **{COPY_FIELD: True})
    assert r.status_code == 201, r.json


def test_hook_compose_form_without_the_addon_the_field_is_unknown(make_app, plugin):
    app = make_app("sqlite", plugins=_plugins(plugin, addon=False))
    with app.app_context():
        alice, bob = make_account("alice"), make_account("bob")
        client = app.test_client()
        names = [f["name"] for f in client.get("/api/v1/channels/test_chat/form", headers=bearer(alice)).json["fields"]]
        assert COPY_FIELD not in names
        spec = client.get("/api/openapi.json").json
        assert COPY_FIELD not in spec["components"]["schemas"]["TestChatDraft"]["properties"]
        r = _start(client, alice, bob, channel="test_chat", **{COPY_FIELD: True})
        assert r.status_code == 422 and r.json["errors"] == {COPY_FIELD: ["Champ inconnu."]}


# --- validate ----------------------------------------------------------------------------------

def test_hook_validate_error_blocks_the_send_and_stores_nothing(demo_any, people, plugin):
    alice, bob = people
    before, events_before = _stored(), len(plugin.events)
    r = _start(demo_any.test_client(), alice, bob, body=f"Un {REFUSED} ici")
    assert r.status_code == 422
    assert r.json == {"errors": {"body": [REFUSED_MESSAGE]}}
    assert _stored() == before
    assert len(plugin.events) == events_before
    assert plugin.delivered_messages == []


def test_hook_validate_from_any_plugin_applies_to_any_channel(demo, people):
    alice, bob = people
    # The addon checks its own field on the test chat channel, which it does not own.
    before = _stored()
    r = _start(demo.test_client(), alice, bob, channel="test_chat", **{COPY_FIELD: True})
    assert r.status_code == 422 and r.json == {"errors": {COPY_FIELD: [COPY_NEEDS_PATIENT]}}
    # Errors of several plugins are gathered in one answer.
    r = _start(demo.test_client(), alice, bob, body=REFUSED, **{COPY_FIELD: True})
    assert r.status_code == 422
    assert r.json == {"errors": {"body": [REFUSED_MESSAGE], COPY_FIELD: [COPY_NEEDS_PATIENT]}}
    assert _stored() == before


def test_hook_validate_is_asked_for_replies_too(demo, people):
    alice, bob = people
    client = demo.test_client()
    exchange_id = _start(client, alice, bob).json["exchange"]["id"]
    before = _stored()
    r = client.post(f"/api/v1/exchanges/{exchange_id}/messages", headers=bearer(bob), json={"body": REFUSED})
    assert r.status_code == 422 and r.json == {"errors": {"body": [REFUSED_MESSAGE]}}
    assert _stored() == before


# --- deliver -----------------------------------------------------------------------------------

def test_hook_deliver_writes_its_row_and_job_in_the_send_transaction(demo_any, people, plugin):
    alice, bob = people
    before = _stored()
    r = _start(demo_any.test_client(), alice, bob, body="Pouvez-vous la voir ?")
    assert r.status_code == 201, r.json
    exchange_id, message_id = r.json["exchange"]["id"], r.json["message"]["id"]
    note = HookDemoNote.get(HookDemoNote.exchange_id == exchange_id)
    assert (note.message_id, note.text, note.pushed) == (message_id, "Pouvez-vous la voir ?", False)
    job = Job.get(Job.name == PUSH_JOB)
    assert (job.payload, job.status) == ({"note": note.id}, "pending")
    assert _stored() == {k: v + 1 for k, v in before.items()}
    assert plugin.delivered_messages == [message_id]


def test_hook_deliver_failure_after_writing_leaves_no_row_no_job_no_exchange(demo_any, people, plugin):
    alice, bob = people
    before, events_before = _stored(), len(plugin.events)
    with pytest.raises(RuntimeError, match="simulated failure"):
        _start(demo_any.test_client(), alice, bob, body=f"{CRASH}")
    # deliver ran (and wrote its note and enqueued its job), then the transaction rolled back.
    assert plugin.delivered_messages and plugin.delivered_messages[-1] is not None
    assert _stored() == before
    assert len(plugin.events) == events_before  # its "hook_demo.delivered" event never left


def test_hook_deliver_is_asked_of_the_owner_only_and_for_replies(demo, people, plugin):
    alice, bob = people
    client = demo.test_client()
    assert _start(client, alice, bob, channel="test_chat").status_code == 201
    assert HookDemoNote.select().count() == 0 and plugin.delivered_messages == []
    exchange_id = _start(client, alice, bob).json["exchange"]["id"]
    r = client.post(f"/api/v1/exchanges/{exchange_id}/messages", headers=bearer(bob), json={"body": "Oui"})
    assert r.status_code == 201
    assert [n.text for n in HookDemoNote.select().order_by(HookDemoNote.id)] == ["Bonjour", "Oui"]
    assert plugin.delivered_messages[-1] == r.json["message"]["id"]


def test_hook_deliver_gets_no_message_when_the_first_one_is_empty(demo, people, plugin):
    alice, bob = people
    r = _start(demo.test_client(), alice, bob, body="")
    assert r.status_code == 201 and r.json["message"] is None
    assert plugin.delivered_messages == [None]
    assert HookDemoNote.get().message_id is None


# --- synthesize --------------------------------------------------------------------------------

def test_hook_synthesize_html_becomes_a_stored_pdf(demo, people):
    alice, bob = people
    client = demo.test_client()
    exchange_id = _start(client, alice, bob, body="Premier <b>message</b>").json["exchange"]["id"]
    client.post(f"/api/v1/exchanges/{exchange_id}/messages", headers=bearer(bob), json={"body": "Réponse"})
    r = client.post(f"/api/v1/exchanges/{exchange_id}/synthesis", headers=bearer(alice), json={})
    assert r.status_code == 201, r.json
    attachment = r.json["attachment"]
    assert attachment["filename"] == f"synthese-{exchange_id}.pdf"
    assert attachment["content_type"] == "application/pdf"
    pdf = client.get(attachment["url"], headers=bearer(alice))
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert Attachment.get_by_id(attachment["id"]).uploaded_by_id == alice.id


def test_hook_synthesize_none_means_no_synthesis_for_that_channel(demo, people):
    alice, bob = people
    client = demo.test_client()
    exchange_id = _start(client, alice, bob, channel="test_chat").json["exchange"]["id"]
    before = Attachment.select().count()
    r = client.post(f"/api/v1/exchanges/{exchange_id}/synthesis", headers=bearer(alice), json={})
    assert r.status_code == 409
    assert r.json == {"errors": {"_schema": ["Ce type d'échange ne propose pas de synthèse."]}}
    assert Attachment.select().count() == before


# --- register_connectors and integrate ----------------------------------------------------------

def test_hook_register_connectors_lists_the_software(demo, people):
    alice, _ = people
    r = demo.test_client().get("/api/v1/connectors", headers=bearer(alice))
    assert r.status_code == 200
    assert r.json == {"connectors": [{"name": CONNECTOR, "label": "Logiciel de démonstration", "targets": ["logiciel"]}]}
    assert set(_relais(demo).connectors) == {CONNECTOR}


def _upload(client, account) -> dict:
    r = client.post("/api/v1/attachments", headers=bearer(account),
                    data={"file": (io.BytesIO(b"%PDF-1.4\n%compte-rendu\n"), "CR.pdf")},
                    content_type="multipart/form-data")
    assert r.status_code == 201, r.json
    return r.json["attachment"]


def test_hook_integrate_returns_the_connector_receipt(demo, people):
    alice, _ = people
    client = demo.test_client()
    attachment = _upload(client, alice)
    patient = make_patient(in_care_of=alice)
    r = client.post(f"/api/v1/attachments/{attachment['id']}/integrate", headers=bearer(alice),
                    json={"target": CONNECTOR, "patient": patient.id})
    assert r.status_code == 200, r.json
    assert r.json["receipts"] == [{"connector": CONNECTOR, "ok": True,
                                   "message": "Document versé dans le logiciel de démonstration.",
                                   "reference": f"DEMO-{patient.id}-{attachment['sha256'][:8]}"}]
    # The kernel's record of the push says the same.
    assert {k: r.json["integration"][k] for k in ("state", "connector", "target", "reference", "attempts")} == {
        "state": "integre", "connector": CONNECTOR, "target": "logiciel",
        "reference": f"DEMO-{patient.id}-{attachment['sha256'][:8]}", "attempts": 1}


def test_hook_integrate_refusal_and_other_targets(demo, people):
    alice, _ = people
    client = demo.test_client()
    attachment = _upload(client, alice)
    r = client.post(f"/api/v1/attachments/{attachment['id']}/integrate", headers=bearer(alice),
                    json={"target": CONNECTOR})
    assert r.status_code == 502
    assert r.json["receipts"] == [{"connector": CONNECTOR, "ok": False, "reference": "",
                                   "message": "Choisissez un patient : le logiciel classe les documents par patient."}]
    # The hook itself: a connector answers for its own target only.
    document = Attachment.get_by_id(attachment["id"])
    answers = _relais(demo).pm.hook.integrate(document=document, patient=make_patient(), target="autre_logiciel",
                                              account=alice, exchange=None, integration=None)
    assert answers == []


# --- register_models and register_migrations ----------------------------------------------------

def test_hook_register_models_are_known_and_their_tables_exist(demo):
    relais = _relais(demo)
    assert HookDemoNote in relais.models
    assert all(model.table_exists() for model in relais.models)
    note = HookDemoNote.create(exchange_id=1, text="x")
    assert HookDemoNote.get_by_id(note.id).text == "x"


def test_hook_register_migrations_applies_once_and_keeps_data(make_app, plugin):
    app = make_app("sqlite", plugins=_plugins(plugin), name="operator")
    with app.app_context():
        relais = _relais(app)
        assert MigrationSet("hook_demo", MIGRATIONS) in relais.migrations
        history = relais.database.execute_sql("SELECT name FROM relais_migrations_hook_demo").fetchall()
        assert history == [("0001_hook_demo_note",)]
        assert pending(relais.database, relais.migrations) == {"hook_demo": []}
        HookDemoNote.create(exchange_id=7, text="gardée")
    # The same database opened again (a restart): nothing re-applied, the data is still there.
    again = make_app("sqlite", plugins=_plugins(EveryHookPlugin()), name="operator")
    with again.app_context():
        assert [n.text for n in HookDemoNote.select()] == ["gardée"]
        history = _relais(again).database.execute_sql("SELECT name FROM relais_migrations_hook_demo").fetchall()
        assert history == [("0001_hook_demo_note",)]


# --- register_blueprints -----------------------------------------------------------------------

def test_hook_register_blueprints_routes_answer_with_kernel_auth(demo, people):
    alice, bob = people
    client = demo.test_client()
    exchange_id = _start(client, alice, bob, body="Note A").json["exchange"]["id"]
    r = client.get(f"/hook_demo/exchanges/{exchange_id}/notes", headers=bearer(bob))
    assert r.status_code == 200
    assert r.json["account"] == bob.id
    assert [n["text"] for n in r.json["notes"]] == ["Note A"]
    assert client.get(f"/hook_demo/exchanges/{exchange_id}/notes").status_code == 401


# --- register_jobs -----------------------------------------------------------------------------

def test_hook_register_jobs_job_runs_via_run_pending(demo, people):
    alice, bob = people
    relais = _relais(demo)
    assert PUSH_JOB in relais.jobs.types
    exchange_id = _start(demo.test_client(), alice, bob).json["exchange"]["id"]
    assert relais.jobs.run_pending() == 1
    assert HookDemoNote.get(HookDemoNote.exchange_id == exchange_id).pushed is True
    assert Job.get(Job.name == PUSH_JOB).status == "done"
    assert relais.jobs.run_pending() == 0


# --- register_services ---------------------------------------------------------------------------

def test_hook_register_services_run_beside_the_web_server(demo, plugin):
    import threading

    from kernel.server import run_platform

    # The kernel's own mail receiver is always registered too (kernel/mail/hooks.py).
    assert [s for s in _relais(demo).services if s.name != "kernel.mail.receiver"] == [plugin.service]
    ready = threading.Event()
    holder = {}

    def on_ready(platform):
        holder["platform"] = platform
        assert plugin.service.calls == ["start"]  # started before the platform says it is ready
        ready.set()

    runner = threading.Thread(target=run_platform, args=(demo, "127.0.0.1", 0),
                              kwargs={"ready_callback": on_ready}, daemon=True)
    runner.start()
    assert ready.wait(20), "the platform did not start"
    holder["platform"].stop()
    runner.join(20)
    assert plugin.service.calls == ["start", "stop"]
    assert plugin.service.settings == {}


# --- on_event ----------------------------------------------------------------------------------

def test_hook_on_event_receives_events_after_commit(demo_any, people, plugin):
    alice, bob = people
    r = _start(demo_any.test_client(), alice, bob)
    exchange_id = r.json["exchange"]["id"]
    # In this order: the exchange, its message, then what the channel's deliver published.
    assert plugin.events == [("exchange.created", exchange_id, False),
                             ("message.created", exchange_id, False),
                             ("hook_demo.delivered", exchange_id, False)]


def test_live_message_event_shows_what_deliver_added(demo_any, people, plugin):
    alice, bob = people
    client = demo_any.test_client()
    exchange_id = _start(client, alice, bob).json["exchange"]["id"]
    r = client.post(f"/api/v1/exchanges/{exchange_id}/messages", headers=bearer(bob), json={"body": "Reçu"})
    assert r.status_code == 201
    note = r.json["message"]["data"]["hook_demo_note"]
    live = [d for (t, e, _), d in zip(plugin.events, plugin.event_data) if t == "message.created"]
    assert [d["data"].get("hook_demo_note") for d in live][-1] == note


def test_hook_on_event_hears_every_channel_and_kernel_events(demo, people, plugin):
    alice, bob = people
    client = demo.test_client()
    exchange_id = _start(client, alice, bob, channel="test_chat").json["exchange"]["id"]
    client.post(f"/api/v1/exchanges/{exchange_id}/read", headers=bearer(bob), json={})
    types = [t for t, e, _ in plugin.events if e == exchange_id]
    assert types == ["exchange.created", "message.created", "receipt.created"]


# --- socket_message ----------------------------------------------------------------------------

def test_hook_socket_message_answers_the_sender_and_reaches_the_audience_only(demo, people):
    import json

    from kernel.testing import LiveServer, LiveSocket
    from support.every_hook_plugin import ECHO, ECHO_OK, ECHO_REFUSED, ECHOED

    alice, bob = people
    carol = make_account("carol", "Carole", "Roux")
    exchange_id = _start(demo.test_client(), alice, bob).json["exchange"]["id"]
    with LiveServer(demo) as url:
        sockets = {a.login: LiveSocket(url, bearer(a)) for a in (alice, bob, carol)}
        try:
            sockets["alice"].ws.send(json.dumps({"type": ECHO, "exchange_id": exchange_id, "text": "Allô"}))
            assert sockets["alice"].next_event(ECHO_OK) == {"type": ECHO_OK}
            heard = sockets["bob"].next_event(ECHOED.name)
            assert heard["exchange_id"] == exchange_id and heard["data"] == {"text": "Allô", "account": alice.id}
            # An exchange carol cannot see: refused to her, nothing published.
            sockets["carol"].ws.send(json.dumps({"type": ECHO, "exchange_id": exchange_id, "text": "Intrus"}))
            assert sockets["carol"].next_event(ECHO_REFUSED) == {"type": ECHO_REFUSED}
            sockets["bob"].assert_silent()
        finally:
            for socket in sockets.values():
                socket.close()


def test_hook_socket_message_nobody_owns_or_unreadable_is_refused_and_the_socket_lives_on(demo, people):
    import json

    from kernel.testing import LiveServer, LiveSocket
    from support.every_hook_plugin import ECHO, ECHO_OK

    alice, bob = people
    exchange_id = _start(demo.test_client(), alice, bob).json["exchange"]["id"]
    with LiveServer(demo) as url:
        socket = LiveSocket(url, bearer(alice))
        try:
            socket.ws.send(json.dumps({"type": "personne.ne_connait"}))
            refused = socket.next_event("socket.refused")
            assert refused["message_type"] == "personne.ne_connait" and refused["reason"] == "Type de message inconnu."
            socket.ws.send("pas du JSON")
            assert socket.next_event("socket.refused")["message_type"] is None
            socket.ws.send(json.dumps({"type": ECHO, "exchange_id": exchange_id, "text": "Toujours là"}))
            assert socket.next_event(ECHO_OK)["type"] == ECHO_OK
        finally:
            socket.close()


# --- video_room --------------------------------------------------------------------------------

def test_hook_video_room_the_first_answer_hosts_the_call(demo, people):
    from support.every_hook_plugin import VIDEO_ROOMS

    alice, bob = people
    exchange = Exchange.get_by_id(_start(demo.test_client(), alice, bob).json["exchange"]["id"])
    room = _relais(demo).pm.hook.video_room(exchange=exchange, call_key="k3y", account=alice)
    assert (room.provider, room.url, room.label) == ("hook_demo", f"{VIDEO_ROOMS}/k3y?pour={alice.id}",
                                                     "Visio de démonstration")
    other = _start(demo.test_client(), alice, bob, channel="test_chat").json["exchange"]["id"]
    assert _relais(demo).pm.hook.video_room(exchange=Exchange.get_by_id(other), call_key="k3y", account=alice) is None


# --- seed_demo ---------------------------------------------------------------------------------

def test_hook_seed_demo_adds_the_plugins_data_once_and_a_failing_plugin_leaves_nothing(make_app, plugin, caplog):
    from kernel import demo as demo_data

    class BrokenSeed:
        @hookimpl
        def seed_demo(self, structure):
            HookDemoNote.create(exchange_id=0, text=f"à moitié {structure.display_name}")
            raise RuntimeError("seeding broke halfway")

    app = make_app("sqlite", plugins=_plugins(plugin) + [("broken_seed", BrokenSeed())])
    assert demo_data.seed(app) is True
    assert demo_data.seed(app) is False  # a second start adds nothing
    with app.app_context():
        notes = [n.text for n in HookDemoNote.select()]
        assert notes == [DEMO_NOTE]  # the broken plugin's half-written row was rolled back
        julie = Account.get(Account.login == "julie.bernard")
        assert HookDemoNote.get(HookDemoNote.text == DEMO_NOTE).message_id == julie.id
    assert "broken_seed: seed_demo failed" in caplog.text


# --- register_commands -------------------------------------------------------------------------

def test_hook_register_commands_adds_a_command_to_relais_and_never_hides_the_kernels(plugin, monkeypatch):
    from click.testing import CliRunner

    import kernel.commands as commands
    from kernel.commands import WithPluginCommands

    class Clash:
        @hookimpl
        def register_commands(self):
            import click

            @click.command("serve")
            def serve():
                """Faux serve."""
                click.echo("piraté")
            return [serve]

    def manager(configured, extra=()):
        from kernel.plugin_manager import build_plugin_manager

        return build_plugin_manager([], extra=[("every_hook", plugin), ("clash", Clash())])

    monkeypatch.setattr(commands, "build_plugin_manager", manager)
    group = WithPluginCommands(name="relais", commands=dict(commands.cli.commands))
    runner = CliRunner()
    result = runner.invoke(group, ["hook-demo", "bonjour"])
    assert result.exit_code == 0 and result.output == "hook_demo : bonjour\n"
    listed = runner.invoke(group, ["--help"]).output
    assert "hook-demo" in listed and "Répéter un texte" in listed
    assert group.get_command(None, "serve") is commands.cli.commands["serve"]  # the kernel's stays


# --- mail_received -----------------------------------------------------------------------------

def test_hook_mail_received_annotates_a_received_mail_and_a_failing_plugin_leaves_nothing(make_app, plugin,
                                                                                          backend, caplog):
    from email.message import EmailMessage

    from kernel import GROUP_MSSANTE, Channel
    from kernel.mail import accept

    class Mailbox:  # the channel received mail is filed under
        @hookimpl
        def register_channels(self):
            return [Channel("hook_mailbox", "Boîte", GROUP_MSSANTE, "mail", receives_mail=True)]

    class BrokenReader:
        @hookimpl
        def mail_received(self, exchange, message):
            message.data = {**message.data, "broken": True}
            message.save()
            raise RuntimeError("reading broke halfway")

    app = make_app(backend, plugins=_plugins(plugin) + [("hook_mailbox", Mailbox()), ("broken_reader", BrokenReader())],
                   mail_domains=["a.mssante.fr"], mail_receiver_port=0)
    with app.app_context():
        make_account("julie", "Julie", "Bernard", addresses=("julie@a.mssante.fr",))
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = "paul@b.mssante.fr", "julie@a.mssante.fr", "Compte rendu"
        mail["Message-ID"], mail["X-Hook-Demo"] = "<m1@b.mssante.fr>", "lu"
        mail.set_content("Bonjour")
        assert accept(mail.as_bytes(), "paul@b.mssante.fr", ["julie@a.mssante.fr"], source="local")[
            "julie@a.mssante.fr"][0] == 250
        message = Message.get()
        assert message.data[CHANNEL] == {"tag": "lu", "created": True} and "broken" not in message.data
        assert message.data["mail"]["subject"] == "Compte rendu"  # the kernel's own facts untouched
        assert Exchange.get().subject == "[hook] Compte rendu"
    assert "broken_reader: mail_received failed" in caplog.text


# --- register_event_types ----------------------------------------------------------------------

def test_hook_register_event_types_adds_the_plugins_types_to_the_catalogue(demo, people, plugin):
    catalogue = _relais(demo).event_types
    assert catalogue["hook_demo.delivered"].fields == {"note": "the note's id"}
    assert {"message.created", "exchange.created", "mail.status"} <= set(catalogue)  # the kernel's beside it
    alice, bob = people
    _start(demo.test_client(), alice, bob)
    assert [d for (t, _, _), d in zip(plugin.events, plugin.event_data) if t == "hook_demo.delivered"] == [
        {"note": HookDemoNote.get().id}]


def test_hook_register_event_types_an_undeclared_type_fails_the_send(make_app):
    from kernel.event_types import UncataloguedEvent

    class Undeclared(EveryHookPlugin):
        @hookimpl
        def register_event_types(self):
            return []

    plugin = Undeclared()
    app = make_app("sqlite", plugins=[("test_chat", ChatChannel()), ("every_hook", plugin)])
    with app.app_context():
        alice, bob = make_account("alice"), make_account("bob", "Bob", "Durand")
        before = _stored()
        with pytest.raises(UncataloguedEvent, match="hook_demo.delivered"):
            _start(app.test_client(), alice, bob)
        assert _stored() == before and plugin.events == []  # rolled back: nothing stored, nothing heard


# --- exchange_actions and exchange_panels -------------------------------------------------------

def test_hook_exchange_actions_appear_on_the_exchange_and_work(demo, people):
    alice, bob = people
    client = demo.test_client()
    exchange_id = _start(client, alice, bob).json["exchange"]["id"]
    r = client.get(f"/api/v1/exchanges/{exchange_id}", headers=bearer(bob))
    assert r.status_code == 200
    assert r.json["exchange"]["actions"] == [
        {"name": "hook_demo_ping", "label": "Relancer", "url": f"/hook_demo/exchanges/{exchange_id}/ping",
         "method": "POST", "icon": "", "confirm": "", "prompt": ""}]
    action = r.json["exchange"]["actions"][0]
    done = client.open(action["url"], method=action["method"], headers=bearer(bob))
    assert done.status_code == 200 and done.json["pong"] == exchange_id
    other = _start(client, alice, bob, channel="test_chat").json["exchange"]["id"]
    assert client.get(f"/api/v1/exchanges/{other}", headers=bearer(bob)).json["exchange"]["actions"] == []


def test_hook_exchange_panels_appear_on_the_exchange_for_the_viewer(demo, people):
    alice, bob = people
    client = demo.test_client()
    exchange_id = _start(client, alice, bob).json["exchange"]["id"]
    client.post(f"/api/v1/exchanges/{exchange_id}/messages", headers=bearer(bob), json={"body": "Deux"})
    panels = client.get(f"/api/v1/exchanges/{exchange_id}", headers=bearer(bob)).json["exchange"]["panels"]
    assert panels == [{"name": "hook_demo_notes", "title": "Notes de démonstration",
                       "text": "2 note(s) enregistrée(s)", "level": "info", "action": None,
                       "data": {"notes": 2, "viewer": bob.id}}]
    other = _start(client, alice, bob, channel="test_chat").json["exchange"]["id"]
    assert client.get(f"/api/v1/exchanges/{other}", headers=bearer(bob)).json["exchange"]["panels"] == []


# --- page_assets and menu_links: what the shell's pages show of a plugin ---------------------------

def _signed_in(app, login):
    """A browser-like client with a session (the shell's pages are for people, not tokens)."""
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
    assert client.post("/login", data={"login": login, "password": PASSWORD, "csrf_token": token}).status_code == 302
    return client


@pytest.fixture
def shell_demo(make_app, plugin):
    """The demo app, its requests made outside any app context (sessions, as in production)."""
    app = make_app("sqlite", plugins=_plugins(plugin))
    with app.app_context():
        make_account("alice")
        make_account("ada", "Ada", "Lovelace", is_admin=True)
    return app


def test_hook_page_assets_adds_the_plugins_files_to_its_page(shell_demo, caplog):
    client = _signed_in(shell_demo, "alice")
    page = client.get("/").get_data(as_text=True)
    styles = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page)
    scripts = re.findall(r'<script type="module"[^>]* src="([^"]+)"', page)
    mine = re.compile(r"^/static/every_hook/[0-9a-f]{12}/")
    # Its styles after the shell's, by their order; its script before the page's own (it registers first).
    assert [s.split("/", 4)[4] for s in styles if mine.match(s)] == [ASSET_EARLY_STYLE, ASSET_STYLE]
    last_shell = max(i for i, s in enumerate(styles) if s.startswith("/static/shell/"))
    assert all(i > last_shell for i, s in enumerate(styles) if mine.match(s))
    demo_script = next(s for s in scripts if mine.match(s))
    assert demo_script.endswith(ASSET_SCRIPT) and scripts[-1].endswith("/js/inbox.js")
    assert scripts.index(demo_script) < len(scripts) - 1
    # A file the plugin's folder does not have is left out and logged, the page still served.
    assert ASSET_MISSING not in page
    assert any(ASSET_MISSING in r.getMessage() and "every_hook" in r.getMessage() for r in caplog.records)
    served = client.get(demo_script)
    assert served.status_code == 200 and b"registerSpaceView" in served.data
    # Only the page it asked for, only for a signed-in account (the login page has none).
    assert "/static/every_hook/" not in client.get("/envoyer/test_chat").get_data(as_text=True)
    assert "/static/every_hook/" not in shell_demo.test_client().get("/login").get_data(as_text=True)


class PageWrapper:
    """A plugin wrapping the page hooks (timing them, say): it must take nothing from the others."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    @hookimpl(wrapper=True)
    def page_assets(self, page):
        self.calls.append("page_assets")
        return (yield)

    @hookimpl(wrapper=True)
    def menu_links(self, account):
        self.calls.append("menu_links")
        return (yield)


def test_hook_page_assets_and_menu_links_keep_every_plugins_part_when_a_plugin_wraps_them(make_app, plugin):
    wrapper = PageWrapper()
    app = make_app("sqlite", plugins=[*_plugins(plugin), ("page_wrapper", wrapper)])
    with app.app_context():
        make_account("alice")
    page = _signed_in(app, "alice").get("/").get_data(as_text=True)
    mine = re.findall(r'"/static/every_hook/[0-9a-f]{12}/([^"]+)"', page)
    assert sorted(mine) == sorted([ASSET_SCRIPT, ASSET_STYLE, ASSET_EARLY_STYLE])  # served from its own folder
    assert 'id="hook_demo_help"' in page and 'id="hook_demo_notes"' in page
    assert {"page_assets", "menu_links"} <= set(wrapper.calls)  # the wrappers did run


def test_hook_menu_links_in_the_top_bar_and_a_spaces_navigation(shell_demo):
    alice = _signed_in(shell_demo, "alice")
    page = html.unescape(alice.get("/").get_data(as_text=True))
    top = page.split('<nav class="topbar-links"', 1)[1].split("</nav>", 1)[0]
    assert 'id="hook_demo_help" class="nav-item" href="/hook_demo/aide"' in top and "Aide de la démo" in top
    side = page.split('<nav id="space-nav"', 1)[1].split("</nav>", 1)[0]
    chat = side.split('data-space="chat"', 1)[1]
    assert '<h2 class="space-nav-title">Démo</h2>' in chat and "Notes de Alice" in chat  # built for the account
    assert 'data-count-url="/hook_demo/count" data-count-key="count"' in chat
    assert "hook_demo_admin" not in page and "Administration" not in page  # administrators only
    # The top bar's links are on every page, the space's only in the inbox.
    compose = alice.get("/envoyer/test_chat").get_data(as_text=True)
    assert 'id="hook_demo_help"' in compose and 'id="hook_demo_notes"' not in compose

    ada = html.unescape(_signed_in(shell_demo, "ada").get("/").get_data(as_text=True))
    side = ada.split('<nav id="space-nav"', 1)[1].split("</nav>", 1)[0]
    assert side.index("Démo") < side.index("Administration")  # sections by their first link's order
    assert 'id="hook_demo_admin" class="nav-item" href="/hook_demo/reglages"' in side
    assert 'data-count-url="/hook_demo/count" data-count-key="held"' in side


class WrongSection:
    @hookimpl
    def structure_admin_sections(self, structure, account):
        return ["pas une section"]


def test_hook_structure_admin_sections_show_on_the_structure_s_administration_page(make_app, plugin, caplog):
    from kernel.models import Account
    from kernel.testing import make_structure

    app = make_app("sqlite", plugins=[*_plugins(plugin), ("wrong_section", WrongSection())])
    with app.app_context():
        make_account("ada", "Ada", "Lovelace", is_admin=True)
        structure = make_structure("Cardiologie du lac")
        Account.update(directory_manager=True).where(Account.login == "ada").execute()
    page = html.unescape(_signed_in(app, "ada").get(f"/admin/structures/{structure.id}").get_data(as_text=True))
    block = page.split('id="hook_demo_structure"', 1)[1].split("</section>", 1)[0]
    assert "Démo de la structure" in block and "Cardiologie du lac\nvue par ada" in block
    assert '<a href="/hook_demo/aide">Aide de la démo</a>' in block
    # A plugin answering something else is logged, and the page still shows.
    assert any("wrong_section" in r.getMessage() and r.levelname == "ERROR" for r in caplog.records)


class FollowedCount:
    @hookimpl
    def menu_links(self):
        from kernel import MenuLink

        return [MenuLink("followed_mine", "Suivi", "/", count_url="/followed/count",
                         count_events=("message.created", "exchange.created")),
                MenuLink("followed_typo", "Faute", "/", count_url="/followed/count", count_events=("message.crated",))]


def test_hook_menu_links_count_events_reach_the_page_and_are_checked(make_app, caplog):
    from kernel import MenuLink

    app = make_app("sqlite", plugins=[("test_chat", ChatChannel()), ("followed", FollowedCount())])
    with app.app_context():
        make_account("alice")
    page = html.unescape(_signed_in(app, "alice").get("/").get_data(as_text=True))
    assert 'data-count-events="message.created exchange.created"' in page
    assert any("followed" in r.getMessage() and "message.crated" in r.getMessage() for r in caplog.records
               if r.levelname == "ERROR")
    assert not any("message.created" in r.getMessage() for r in caplog.records if r.levelname == "ERROR")
    with pytest.raises(ValueError, match="tuple"):
        MenuLink("x", "X", "/", count_url="/c", count_events="message.created")
    with pytest.raises(ValueError, match="count_url"):
        MenuLink("x", "X", "/", count_events=("message.created",))
