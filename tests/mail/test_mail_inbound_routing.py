"""Which channel received mail is filed under: the one that declares ``receives_mail``, or the
``mail_inbound_channel`` setting; never a name written in the kernel."""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

import pytest

from kernel import GROUP_MSSANTE, Channel, hookimpl
from kernel.mail.inbound import accept
from kernel.mail.mailbox import NoInboundChannel, inbound_channel
from kernel.models import Exchange
from mail.mail_helpers import LOOPBACK, mail_plugin, mail_settings, running_receiver
from support.chat_channel import ChatChannel, MssanteScreen
from support.factories import make_account

DOMAIN = "a.mssante.fr"


class OtherMailbox:
    """A second channel that would take received mail (a region's own mail client, say)."""

    @hookimpl
    def register_channels(self):
        return [Channel("autre_messagerie", "Autre messagerie", GROUP_MSSANTE, "mail", receives_mail=True)]


def _mail(message_id: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = "paul.noir@chu.mssante.fr"
    msg["To"] = f"julie@{DOMAIN}"
    msg["Subject"] = "Compte rendu"
    msg["Message-ID"] = f"<{message_id}>"
    msg.set_content("Bonjour.")
    return msg.as_bytes()


def _app(make_app, plugins, **settings):
    app = make_app("sqlite", plugins=plugins, **mail_settings(DOMAIN, **settings))
    with app.app_context():
        make_account("julie", "Julie", "Bernard", addresses=(f"julie@{DOMAIN}",))
    return app


def test_received_mail_is_filed_under_the_channel_that_receives_mail(make_app):
    app = _app(make_app, [("test_chat", ChatChannel()), ("mssante_mail", mail_plugin)])
    with app.app_context():
        assert inbound_channel() == "mssante_mail"  # test_chat's "test_mail" is a mail channel that does not
        accept(_mail("m1@chu"), "paul.noir@chu.mssante.fr", [f"julie@{DOMAIN}"], source="test")
        assert [(e.channel, e.space) for e in Exchange.select()] == [("mssante_mail", "mail")]


def test_with_several_the_setting_chooses(make_app):
    plugins = [("mssante_mail", mail_plugin), ("autre", OtherMailbox())]
    app = _app(make_app, plugins)
    with app.app_context():
        with pytest.raises(NoInboundChannel, match="autre_messagerie, mssante_mail.*mail_inbound_channel"):
            inbound_channel()
    app = _app(make_app, plugins, mail_inbound_channel="autre_messagerie")
    with app.app_context():
        accept(_mail("m2@chu"), "paul.noir@chu.mssante.fr", [f"julie@{DOMAIN}"], source="test")
        assert [e.channel for e in Exchange.select()] == ["autre_messagerie"]


@pytest.mark.parametrize("chosen", ["absent", "test_chat"])
def test_the_setting_must_name_an_enabled_mail_channel(make_app, chosen):
    app = _app(make_app, [("test_chat", ChatChannel()), ("mssante_mail", mail_plugin)], mail_inbound_channel=chosen)
    with app.app_context():
        with pytest.raises(NoInboundChannel, match=f"'{chosen}' is not an enabled channel of the mail space"):
            inbound_channel()


def test_without_a_channel_for_it_received_mail_waits_and_nothing_is_stored(make_app, caplog):
    app = _app(make_app, [("document", MssanteScreen("test_document", "Envoyer un document"))])
    with caplog.at_level(logging.WARNING, logger="kernel.mail.receiver"), running_receiver(app) as receiver:
        with smtplib.SMTP(LOOPBACK, receiver.port, timeout=10) as smtp:
            with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:  # at RCPT: the mail is never sent
                smtp.sendmail("paul.noir@chu.mssante.fr", [f"julie@{DOMAIN}"], _mail("m3@chu"))
    code, _ = refused.value.recipients[f"julie@{DOMAIN}"]
    assert code == 451  # a temporary failure: the sender's server tries again later
    with app.app_context():
        assert Exchange.select().count() == 0
    # The platform's setup, said in one line for each try, without a traceback.
    records = [r for r in caplog.records if r.name == "kernel.mail.receiver"]
    assert [(r.levelno, r.exc_info) for r in records] == [(logging.WARNING, None)]
    assert "no enabled channel declares receives_mail" in records[0].getMessage()


def test_only_a_mail_space_channel_can_receive_mail():
    with pytest.raises(ValueError, match="only a channel of the mail space can receive mail"):
        Channel("x", "X", GROUP_MSSANTE, "chat", receives_mail=True)
