"""The testing kit plugin authors get (kernel.testing, pytest plugin ``relais``) does what docs/plugins.md says."""
from __future__ import annotations

from importlib.metadata import entry_points

import pytest

from kernel import current_relais, write_transaction
from kernel.mail import MailDraft, MailPart, queue_mail
from kernel.models import Exchange
from support.chat_channel import ChatChannel

CHAT = pytest.mark.relais(plugins=[("test_chat", ChatChannel())], plugin_settings={"test_chat": {"ton": "calme"}},
                          mail_domains=["a.mssante.fr"])


def test_pytest_finds_the_kit_through_its_entry_point():
    [kit] = [ep for ep in entry_points(group="pytest11") if ep.name == "relais"]
    assert kit.value == "kernel.testing.pytest_plugin"


def test_without_a_marker_the_app_has_no_plugin(relais_app, relais):
    assert relais.channels == {} and current_relais() is relais


@CHAT
def test_the_marker_chooses_plugins_and_settings(relais):
    assert list(relais.channels) == ["test_chat", "test_mail"]
    assert relais.plugin_settings("test_chat") == {"ton": "calme"}
    assert relais.config["mail_domains"] == ["a.mssante.fr"]


@CHAT
def test_users_are_signed_in_as_a_program_and_as_a_browser(relais_app, relais_alice, relais_bob):
    assert relais_alice.account.login == "alice" and relais_bob.account.identity.display_name == "Bob DURAND"
    assert relais_alice.api.get("/api/v1/me").status_code == 200
    assert relais_app.test_client().get("/api/v1/me").status_code == 401
    draft = {"acting_as": relais_alice.identity_id, "members": [relais_bob.identity_id], "subject": "S", "body": "B"}
    assert relais_alice.browser.post("/api/v1/channels/test_chat/exchanges", json=draft).status_code == 201
    # The browser client carries a session, so it is held to the CSRF check a page's script passes.
    del relais_alice.browser.environ_base["HTTP_X_CSRFTOKEN"]
    refused = relais_alice.browser.post("/api/v1/channels/test_chat/exchanges", json=draft)
    assert refused.status_code == 400 and "_csrf" in refused.json["errors"]
    assert Exchange.select().count() == 1
    assert relais_alice.session_cookie()


@CHAT
def test_live_sockets_get_their_members_events_only(relais_alice, relais_bob, relais_user, relais_ws):
    carol = relais_user("carol", "Carole", "Roux")
    bob_live, carol_live = relais_ws(relais_bob), relais_ws(carol)
    assert bob_live.hello["account_id"] == relais_bob.account.id
    relais_alice.api.post("/api/v1/channels/test_chat/exchanges", json={
        "acting_as": relais_alice.identity_id, "members": [relais_bob.identity_id], "subject": "S", "body": "Vu ?"})
    assert bob_live.next_event("message.created")["data"]["body"] == "Vu ?"
    carol_live.assert_silent()
    with pytest.raises(AssertionError, match="no message.created event"):
        carol_live.next_event("message.created", timeout=0.2)


@CHAT
def test_the_outbox_lists_queued_mail_and_sends_it_to_a_capture(relais_alice, relais_outbox):
    with write_transaction():
        queue_mail(MailDraft(sender="alice@a.mssante.fr", sender_name="Alice MARTIN", to=["paul@b.mssante.fr"],
                             cc=["zoe@c.mssante.fr"], subject="Compte rendu", html="<p>Bonjour</p>",
                             attachments=[MailPart("cr.pdf", "application/pdf", b"%PDF-1.4")]),
                   exchange_id=None, kernel_message_id=None, account_id=relais_alice.account.id,
                   acting_as_id=relais_alice.identity_id)
    [mail] = relais_outbox.mails()
    assert (mail.mail_from, mail.to, mail.cc, mail.subject) == (
        "alice@a.mssante.fr", ["paul@b.mssante.fr"], ["zoe@c.mssante.fr"], "Compte rendu")
    assert "<p>Bonjour</p>" in mail.html and "Bonjour" in mail.text
    assert mail.attachments == [("cr.pdf", "application/pdf", b"%PDF-1.4")]
    assert mail.statuses == {"paul@b.mssante.fr": "pending", "zoe@c.mssante.fr": "pending"}
    assert relais_outbox.relayed == []
    [relayed] = relais_outbox.send()
    assert (relayed.mail_from, sorted(relayed.recipients)) == ("alice@a.mssante.fr", ["paul@b.mssante.fr",
                                                                                        "zoe@c.mssante.fr"])
    assert relayed.message["Message-ID"] == f"<{mail.message_id}>"
    assert relais_outbox.mails()[0].statuses == {"paul@b.mssante.fr": "sent", "zoe@c.mssante.fr": "sent"}
    assert relais_outbox.send() == []  # nothing left to send


@CHAT
def test_the_outbox_gives_the_app_its_relay_back_when_closed(relais):
    from kernel.testing import Outbox

    relais.config.update(mail_relay_host="relais.operateur.fr", mail_relay_port=587, mail_relay_starttls=True)
    outbox = Outbox(relais)
    outbox.send()
    assert relais.config["mail_relay_host"] == "127.0.0.1" and relais.config["mail_relay_starttls"] is False
    outbox.close()
    assert (relais.config["mail_relay_host"], relais.config["mail_relay_port"], relais.config["mail_relay_starttls"]) \
        == ("relais.operateur.fr", 587, True)
    outbox.close()  # twice: nothing more to give back


def test_closing_the_apps_closes_each_one_even_when_one_fails(tmp_path, monkeypatch):
    from kernel.testing import TestApps

    apps = TestApps(tmp_path)
    built = [apps.build(name="first"), apps.build(name="second")]
    closed: list[str] = []

    def recording(app_name, step, real, fails=False):
        def call(*args, **kwargs):
            closed.append(f"{app_name} {step}")
            if fails:
                raise RuntimeError(f"{app_name} {step} stuck")
            return real(*args, **kwargs)
        return call

    for app_name, app in zip(("first", "second"), built):
        relais = app.extensions["relais"]
        database_close = "close_all" if hasattr(relais.database, "close_all") else "close"
        monkeypatch.setattr(relais.jobs, "shutdown", recording(app_name, "jobs", relais.jobs.shutdown))
        monkeypatch.setattr(relais.events, "close", recording(app_name, "events", relais.events.close,
                                                              fails=app_name == "first"))
        monkeypatch.setattr(relais.database, database_close,
                            recording(app_name, "database", getattr(relais.database, database_close)))
    with pytest.raises(RuntimeError, match="first events stuck"):
        apps.close()
    assert closed == ["first jobs", "first events", "first database", "second jobs", "second events",
                      "second database"]
    assert apps.apps == []


def test_two_users_signed_in_in_one_app_context_each_write_with_their_own_csrf_token(relais_app):
    # flask-wtf caches the CSRF token on g, held by the app context the test runs in.
    from kernel.testing import make_account, sign_in

    alice, bob = sign_in(relais_app, make_account("alice2")), sign_in(relais_app, make_account("bob2"))
    assert alice.browser.environ_base["HTTP_X_CSRFTOKEN"] != bob.browser.environ_base["HTTP_X_CSRFTOKEN"]
    for user in (alice, bob):
        r = user.browser.post("/api/v1/attachments", data={}, content_type="multipart/form-data")
        assert r.status_code != 400 or "_csrf" not in (r.get_json() or {}).get("errors", {}), r.get_json()
