"""Text attachments declare their charset; 8-bit content is announced with BODY=8BITMIME to a relay that offers
it, and encoded for one that does not (issue #12, item 10). Against a real SMTP server (aiosmtpd)."""
from __future__ import annotations

from email import message_from_bytes
from email.message import EmailMessage
from typing import Any

import pytest

from kernel.mail.compose import MailDraft, MailPart, build_mail, parse, to_bytes
from kernel.mail.headers import SMTP
from kernel.mail.relay import send_through_relay
from mail.mail_helpers import SinkHandler, mail_app, relais_of, smtp_sink


@pytest.mark.parametrize("data, charset", [
    ("Résultats : normaux.\n".encode("utf-8"), "utf-8"),
    ("Résultats : normaux.\n".encode("cp1252"), "windows-1252"),
    (b"Results: normal.\n", "us-ascii"),
])
def test_text_attachments_declare_their_charset(data, charset):
    raw = to_bytes(build_mail(MailDraft(sender="a@a.mssante.fr", sender_name="A", to=["b@b.mssante.fr"], subject="CR",
                                        html="<p>x</p>", attachments=[MailPart("cr.txt", "text/plain", data)]),
                              "id@a.mssante.fr"))
    [part] = list(parse(raw).iter_attachments())
    assert part.get_content_charset() == charset
    assert part.get_payload(decode=True) == data  # the file's bytes, untouched
    assert part.get_content() == data.decode(charset)  # and read right by whoever opens it
    independent = [p for p in message_from_bytes(raw).walk() if p.get_filename() == "cr.txt"][0]
    assert independent.get_param("charset") == charset


def _eight_bit_mail() -> bytes:
    msg = EmailMessage(policy=SMTP)
    msg["From"], msg["To"], msg["Subject"], msg["Message-ID"] = "a@a.mssante.fr", "b@b.mssante.fr", "8 bits", "<8@a>"
    msg.set_content("Réponse : accusé reçu, à très bientôt.\n", cte="8bit")
    inner = EmailMessage(policy=SMTP)
    inner["Subject"] = "Original"
    inner.set_content("Message d'origine, accentué.\n", cte="8bit")
    msg.add_attachment(inner)  # a message/rfc822 part, as an acknowledgement carries the original
    raw = to_bytes(msg)
    assert not raw.isascii()
    return raw


class Recording(SinkHandler):
    def __init__(self, eight_bit: bool) -> None:
        super().__init__()
        self.eight_bit, self.mail_options = eight_bit, []

    async def handle_EHLO(self, server: Any, session: Any, envelope: Any, hostname: str, responses: list) -> list:
        session.host_name = hostname
        return [r for r in responses if self.eight_bit or "8BITMIME" not in r]

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str, options: list) -> str:
        self.mail_options.append(list(options))
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"


@pytest.mark.parametrize("offered", [True, False], ids=["8BITMIME offered", "8BITMIME not offered"])
def test_8bit_content_is_announced_or_encoded(make_app, offered):
    raw = _eight_bit_mail()
    handler = Recording(offered)
    with smtp_sink(handler=handler) as (sink, port):
        app = mail_app(make_app, mail_relay_port=port)
        with app.app_context():
            outcome = send_through_relay(relais_of(app).config, "a@a.mssante.fr", ["b@b.mssante.fr"], raw)
    assert outcome.replies == {"b@b.mssante.fr": (250, "2.0.0 OK queued")}, outcome
    [received] = sink.messages
    [options] = handler.mail_options
    if offered:
        assert "BODY=8BITMIME" in options and received.data.replace(b"\r\n", b"\n") == raw.replace(b"\r\n", b"\n")
    else:
        assert not any(o.startswith("BODY=") for o in options)
        assert received.data.isascii()
        got, sent = parse(received.data), parse(raw)
        assert got["Message-ID"] == sent["Message-ID"] and got["Subject"] == sent["Subject"]
        assert got.get_body().get_content() == sent.get_body().get_content()
        [inner_got], [inner_sent] = list(got.iter_attachments()), list(sent.iter_attachments())
        assert inner_got.get("Content-Transfer-Encoding") == "7bit"
        assert inner_got.get_content().get_content() == inner_sent.get_content().get_content()
