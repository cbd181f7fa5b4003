"""Loading plugins: apps side by side do not leak, and a broken plugin is reported and skipped, never fatal."""
from __future__ import annotations

import importlib
import logging
import sys
import textwrap
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import pytest
from flask import Blueprint

from kernel import GROUP_MONSISRA, Channel, Connector, FormField, JobType, MigrationSet, create_app, hookimpl
from kernel.models import Account, Exchange
from kernel.plugin_manager import installed_plugins
from support.chat_channel import ChatChannel
from support.every_hook_plugin import CHANNEL, MIGRATIONS, EveryHookPlugin, HookDemoNote
from support.factories import bearer, make_account


def _statuses(app) -> dict[str, Any]:
    return {s.name: s for s in app.extensions["relais"].report.plugins}


def _send(client, author, to, channel="test_chat", **fields):
    return client.post(f"/api/v1/channels/{channel}/exchanges", headers=bearer(author), json={
        "acting_as": author.identity_id, "members": [to.identity_id], "subject": "Sortie", "body": "Bonjour",
        **fields})


@pytest.fixture
def build_app(tmp_path):
    """``create_app`` with a list of *enabled entry points* (``make_app`` enables none) and extra plugins."""
    apps: list[Any] = []

    def build(enabled: list[str], extra: list[tuple[str, Any]] = ()) -> Any:
        config = {"data_dir": str(tmp_path / f"app{len(apps)}"), "plugins": enabled, "log_level": "WARNING"}
        app = create_app(config, plugins=[("test_chat", ChatChannel()), *extra])
        app.config["TESTING"] = True
        apps.append(app)
        return app

    yield build
    for app in apps:
        app.extensions["relais"].database.close()


# --- two apps in one process -------------------------------------------------------------------

def test_two_apps_with_different_plugins_share_nothing(make_app):
    plugin_a, plugin_c = EveryHookPlugin(), EveryHookPlugin()
    app_a = make_app("sqlite", plugins=[("test_chat", ChatChannel()), ("every_hook", plugin_a)], name="a")
    app_b = make_app("sqlite", plugins=[("test_chat", ChatChannel())], name="b")
    app_c = make_app("sqlite", plugins=[("test_chat", ChatChannel()), ("every_hook", plugin_c)], name="c")
    relais_a, relais_b = app_a.extensions["relais"], app_b.extensions["relais"]

    assert CHANNEL in relais_a.channels and CHANNEL not in relais_b.channels
    assert relais_b.pm.get_plugin("every_hook") is None
    assert "hook_demo.push" in relais_a.jobs.types and "hook_demo.push" not in relais_b.jobs.types
    assert any(r.rule.startswith("/hook_demo/") for r in app_a.url_map.iter_rules())
    assert not any(r.rule.startswith("/hook_demo/") for r in app_b.url_map.iter_rules())

    # Interleave the apps' requests: each must reach its own database through the shared models.
    with app_a.app_context():
        alice_a, bob_a = make_account("alice"), make_account("bob")
    with app_b.app_context():
        alice_b, bob_b = make_account("alice"), make_account("bob")
        assert _send(app_b.test_client(), alice_b, bob_b, channel=CHANNEL).status_code == 404
    with app_a.app_context():
        r = _send(app_a.test_client(), alice_a, bob_a, channel=CHANNEL)
        assert r.status_code == 201, r.json
        exchange_a = r.json["exchange"]["id"]
        assert app_a.test_client().get(f"/hook_demo/exchanges/{exchange_a}/notes").status_code == 401
    with app_b.app_context():
        assert not HookDemoNote.table_exists()  # B never ran hook_demo's migration
        assert Exchange.select().count() == 0
        assert app_b.test_client().get(f"/hook_demo/exchanges/{exchange_a}/notes").status_code == 404
        r = app_b.test_client().get(f"/api/v1/channels/{CHANNEL}/form", headers=bearer(alice_b))
        assert r.status_code == 404
    with app_c.app_context():
        assert HookDemoNote.select().count() == 0  # same plugin, same table name, another database
        assert Account.select().count() == 0
    with app_a.app_context():
        assert HookDemoNote.select().count() == 1 and Account.select().count() == 2
    assert plugin_a.events and not plugin_c.events


# --- entry points: a real (fake) distribution on sys.path ---------------------------------------

GOOD_PLUGIN = '''
"""A well-behaved third-party plugin, loaded through its entry point."""
from kernel import GROUP_MSSANTE, Channel, FormField, hookimpl

@hookimpl
def register_channels():
    return [Channel("fake_good_mail", "Mail du paquet tiers", GROUP_MSSANTE, "mail")]

@hookimpl
def compose_form(channel):
    if channel != "fake_good_mail":
        return []
    return [FormField("members", "person", "Destinataires", required=True, many=True),
            FormField("subject", "text", "Objet", required=True), FormField("body", "message", "Message")]

@hookimpl
def deliver(channel):
    return True if channel == "fake_good_mail" else None
'''

BROKEN_PLUGIN = '''
raise RuntimeError("fake_broken cannot start: setting api_key is missing")
'''


@contextmanager
def installed_distribution(root: Path, dist: str, entry_points: dict[str, str],
                           modules: dict[str, str]) -> Iterator[Path]:
    """A distribution as pip would leave it (``<dist>-0.1.dist-info`` + modules) on sys.path, then gone."""
    folder = root / f"site-{dist}"
    info = folder / f"{dist}-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist.replace('_', '-')}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        "[relais.plugins]\n" + "".join(f"{name} = {value}\n" for name, value in entry_points.items()))
    for module, source in modules.items():
        (folder / f"{module}.py").write_text(textwrap.dedent(source))
    sys.path.insert(0, str(folder))
    importlib.invalidate_caches()
    try:
        yield folder
    finally:
        sys.path.remove(str(folder))
        for module in modules:
            sys.modules.pop(module, None)
        importlib.invalidate_caches()


def test_entry_point_that_fails_to_import_is_reported_and_skipped(tmp_path, build_app, caplog):
    assert "fake_broken" not in installed_plugins()
    with installed_distribution(tmp_path, "fake_broken", {"fake_broken": "fake_broken_plugin"},
                                {"fake_broken_plugin": BROKEN_PLUGIN}), \
            installed_distribution(tmp_path, "fake_good", {"fake_good": "fake_good_plugin"},
                                   {"fake_good_plugin": GOOD_PLUGIN}):
        assert {"fake_broken", "fake_good"} <= set(installed_plugins())
        with caplog.at_level(logging.ERROR, logger="kernel.plugin_manager"):
            app = build_app(["fake_broken", "fake_good"])
        status = _statuses(app)
        assert status["fake_broken"].status == "failed"
        assert status["fake_broken"].source == "fake_broken_plugin"
        assert "RuntimeError: fake_broken cannot start: setting api_key is missing" in status["fake_broken"].error
        assert "plugin fake_broken skipped" in caplog.text and "api_key is missing" in caplog.text
        assert status["fake_good"].status == "loaded" and status["test_chat"].status == "loaded"

        # The server keeps serving, with the other plugins working.
        with app.app_context():
            alice, bob = make_account("alice"), make_account("bob")
            client = app.test_client()
            channels = [c["name"] for c in client.get("/api/v1/channels", headers=bearer(alice)).json["channels"]]
            assert channels == ["test_chat", "test_mail", "fake_good_mail"]
            assert _send(client, alice, bob, channel="fake_good_mail").status_code == 201
            assert _send(client, alice, bob).status_code == 201
    # Nothing of the fake distributions survives: importlib.metadata re-reads sys.path on every call.
    assert not {"fake_broken", "fake_good"} & set(installed_plugins())
    assert "fake_good_plugin" not in sys.modules and "fake_broken_plugin" not in sys.modules


def test_builtin_does_not_enable_third_party_plugins(tmp_path, build_app):
    with installed_distribution(tmp_path, "fake_good", {"fake_good": "fake_good_plugin"},
                                {"fake_good_plugin": GOOD_PLUGIN}):
        app = build_app(["*builtin"])
        assert _statuses(app)["fake_good"].status == "available"
        assert "fake_good_mail" not in app.extensions["relais"].channels
        app = build_app(["*builtin", "fake_good"])
        assert _statuses(app)["fake_good"].status == "loaded"
        assert "fake_good_mail" in app.extensions["relais"].channels


def test_enabled_but_not_installed_is_reported(build_app, caplog):
    with caplog.at_level(logging.ERROR, logger="kernel.plugin_manager"):
        app = build_app(["connecteur_inexistant"])
    status = _statuses(app)["connecteur_inexistant"]
    assert (status.status, status.error) == ("not installed", "")
    assert "connecteur_inexistant is enabled in the configuration but not installed" in caplog.text
    with app.app_context():
        alice = make_account("alice")
        assert app.test_client().get("/api/v1/channels", headers=bearer(alice)).status_code == 200


# --- a plugin whose registration fails ---------------------------------------------------------

class FailingRegistration:
    """Brings a bit of everything, then one registration hook raises: none of it may be kept."""

    def __init__(self, failing_hook: str) -> None:
        self.failing_hook = failing_hook
        self.events: list[str] = []

    def _maybe_fail(self, hook: str) -> None:
        if hook == self.failing_hook:
            raise RuntimeError("annuaire régional injoignable")

    @hookimpl
    def register_channels(self):
        self._maybe_fail("register_channels")
        return [Channel("failing_chat", "Canal en échec", GROUP_MONSISRA, "chat")]

    @hookimpl
    def register_connectors(self):
        return [Connector("failing_dpi", "Logiciel en échec")]

    @hookimpl
    def register_migrations(self):
        return [MigrationSet("failing", MIGRATIONS)]  # would create hook_demo_note

    @hookimpl
    def register_blueprints(self):
        bp = Blueprint("failing", __name__, url_prefix="/failing")
        bp.get("/ping")(lambda: "pong")
        return [bp]

    @hookimpl
    def register_jobs(self):
        self._maybe_fail("register_jobs")
        return [JobType("failing.job", lambda payload: None)]

    @hookimpl
    def compose_form(self, channel):
        return [FormField("failing_field", "checkbox", "Champ en échec")]

    @hookimpl
    def validate(self):
        return {"_schema": "Refusé par un plugin qui n'aurait pas dû être chargé."}

    @hookimpl
    def on_event(self, event):
        self.events.append(event.type)


@pytest.mark.parametrize("failing_hook", ["register_channels", "register_jobs"])
def test_plugin_whose_registration_raises_is_reported_and_nothing_of_it_kept(make_app, failing_hook):
    plugin = FailingRegistration(failing_hook)
    app = make_app("sqlite", plugins=[("failing", plugin), ("test_chat", ChatChannel())])
    relais = app.extensions["relais"]
    status = _statuses(app)["failing"]
    assert status.status == "failed"
    assert "RuntimeError: annuaire régional injoignable" in status.error
    assert _statuses(app)["test_chat"].status == "loaded"
    assert relais.pm.get_plugin("failing") is None
    assert "failing_chat" not in relais.channels and "failing_dpi" not in relais.connectors
    assert "failing.job" not in relais.jobs.types
    assert all(m.namespace != "failing" for m in relais.migrations)
    assert not any(r.rule.startswith("/failing") for r in app.url_map.iter_rules())
    with app.app_context():
        assert not HookDemoNote.table_exists()
        alice, bob = make_account("alice"), make_account("bob")
        client = app.test_client()
        fields = [f["name"] for f in client.get("/api/v1/channels/test_chat/form", headers=bearer(alice)).json["fields"]]
        assert "failing_field" not in fields
        assert _send(client, alice, bob).status_code == 201  # its validate is not asked
    assert plugin.events == []


def test_plugin_reusing_a_taken_channel_name_is_reported_and_the_first_kept(make_app):
    app = make_app("sqlite", plugins=[("test_chat", ChatChannel()), ("copycat", ChatChannel())])
    status = _statuses(app)
    loaded = [name for name in ("test_chat", "copycat") if status[name].status == "loaded"]
    failed = [name for name in ("test_chat", "copycat") if status[name].status == "failed"]
    assert len(loaded) == 1 and len(failed) == 1
    assert "is already provided by another plugin" in status[failed[0]].error
    with app.app_context():
        alice, bob = make_account("alice"), make_account("bob")
        assert _send(app.test_client(), alice, bob).status_code == 201


# --- hook names and arguments are checked ------------------------------------------------------

class Misspelled:
    @hookimpl
    def register_chanels(self):
        return [Channel("misspelled_chat", "Faute de frappe", GROUP_MONSISRA, "chat")]


class WrongArgument:
    @hookimpl
    def validate(self, channel, drafts):
        return None


def test_misspelled_hook_is_reported_naming_the_plugin(make_app, caplog):
    with caplog.at_level(logging.ERROR, logger="kernel.plugin_manager"):
        app = make_app("sqlite", plugins=[("misspelled", Misspelled()), ("test_chat", ChatChannel())])
    status = _statuses(app)["misspelled"]
    assert status.status == "failed"
    assert "register_chanels" in status.error
    assert "plugin misspelled skipped" in caplog.text and "register_chanels" in caplog.text
    relais = app.extensions["relais"]
    assert relais.pm.get_plugin("misspelled") is None and "misspelled_chat" not in relais.channels
    assert _statuses(app)["test_chat"].status == "loaded" and "test_chat" in relais.channels


def test_hook_asking_for_an_argument_the_spec_lacks_is_reported(make_app):
    app = make_app("sqlite", plugins=[("wrong_argument", WrongArgument()), ("test_chat", ChatChannel())])
    status = _statuses(app)["wrong_argument"]
    assert status.status == "failed" and "drafts" in status.error
    with app.app_context():
        alice, bob = make_account("alice"), make_account("bob")
        assert _send(app.test_client(), alice, bob).status_code == 201


# --- what a broken plugin must not do to the others ---

class LoudListener:
    @hookimpl
    def on_event(self, event):
        raise RuntimeError("listener down")


def test_a_failing_listener_does_not_deprive_the_others(make_app):
    plugin = EveryHookPlugin()
    # Listeners on both sides of the recorder, whatever order pluggy calls them in.
    app = make_app("sqlite", plugins=[("loud_1", LoudListener()), ("test_chat", ChatChannel()),
                                      ("every_hook", plugin), ("loud_2", LoudListener())])
    with app.app_context():
        alice, bob = make_account("alice"), make_account("bob")
        assert _send(app.test_client(), alice, bob).status_code == 201
    assert [t for t, _, _ in plugin.events] == ["exchange.created", "message.created"]


class ListenerWrapper:
    @hookimpl(wrapper=True)
    def on_event(self, event):
        return (yield)


def test_a_failing_listener_does_not_deprive_the_others_when_a_plugin_wraps_the_hook(make_app):
    plugin = EveryHookPlugin()
    app = make_app("sqlite", plugins=[("loud_1", LoudListener()), ("test_chat", ChatChannel()),
                                      ("every_hook", plugin), ("loud_2", LoudListener()),
                                      ("wrapper", ListenerWrapper())])
    with app.app_context():
        alice, bob = make_account("alice"), make_account("bob")
        assert _send(app.test_client(), alice, bob).status_code == 201
    assert [t for t, _, _ in plugin.events] == ["exchange.created", "message.created"]


class BrokenMigration:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @hookimpl
    def register_migrations(self):
        return [MigrationSet("broken_migration", self.folder)]


def test_a_plugin_whose_migration_fails_is_reported_and_skipped(make_app, tmp_path):
    folder = tmp_path / "broken_migrations"
    folder.mkdir()
    (folder / "0001_broken.py").write_text("def up(migrator, db):\n    raise RuntimeError('colonne en double')\n")
    app = make_app("sqlite", plugins=[("broken_migration", BrokenMigration(folder)), ("test_chat", ChatChannel())])
    assert _statuses(app)["broken_migration"].status == "failed"


class NamedBlueprint:
    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    @hookimpl
    def register_blueprints(self):
        bp = Blueprint("shared_name", __name__, url_prefix=f"/{self.prefix}")
        bp.get("/ping")(lambda: "pong")
        return [bp]


def test_a_plugin_whose_blueprint_name_is_taken_is_reported_and_skipped(make_app):
    app = make_app("sqlite", plugins=[("first", NamedBlueprint("first")), ("second", NamedBlueprint("second")),
                                      ("test_chat", ChatChannel())])
    assert sorted(s.status for name, s in _statuses(app).items() if name in ("first", "second")) == ["failed", "loaded"]


class JobOwner:
    def __init__(self, runs: list[str], tag: str) -> None:
        self.runs, self.tag = runs, tag

    @hookimpl
    def register_jobs(self):
        return [JobType("shared.job", lambda payload: self.runs.append(self.tag))]


def test_a_plugin_reusing_a_taken_job_name_is_reported(make_app):
    runs: list[str] = []
    app = make_app("sqlite", plugins=[("first", JobOwner(runs, "first")), ("second", JobOwner(runs, "second"))])
    assert sorted(s.status for name, s in _statuses(app).items() if name in ("first", "second")) == ["failed", "loaded"]


class CrashingChecks:
    """A plugin whose form and checks raise at request time."""

    @hookimpl
    def compose_form(self, channel):
        raise RuntimeError("form down")

    @hookimpl
    def validate(self, channel, draft):
        raise RuntimeError("checks down")

    @hookimpl
    def exchange_panels(self, exchange):
        raise RuntimeError("panel down")


def test_a_plugin_failing_at_request_time_blocks_nothing_but_its_own_part(make_app):
    from kernel.models import Exchange

    app = make_app("sqlite", plugins=[("crashing", CrashingChecks()), ("test_chat", ChatChannel())])
    client = app.test_client()
    with app.app_context():
        alice, bob = make_account("alice"), make_account("bob")
        # Its form fields are left out; the channel's own fields are all there.
        fields = client.get("/api/v1/channels/test_chat/form", headers=bearer(alice)).json["fields"]
        assert [f["name"] for f in fields] == ["acting_as", "members", "patient", "subject", "body", "attachments"]
        # A check that cannot run must not let a send through (fail safe), and nothing is stored.
        r = _send(client, alice, bob)
        assert r.status_code == 422
        assert r.json == {"errors": {"_schema": [
            "Une vérification n'a pas pu être faite : réessayez dans un instant ou prévenez votre administrateur."]}}
        assert Exchange.select().count() == 0
