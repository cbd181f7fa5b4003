"""Building messages with the email library: headers, attachments with accents, MDN request, X-MSS, MDNs."""
from __future__ import annotations

import re

from kernel.mail.compose import MailDraft, MailPart, build_mail, header_ids, new_message_id, parse, to_bytes
from kernel.mail.mdn import MdnError, build_mdn, is_mdn, read_mdn
from kernel.mail.sanitize import clean_html, html_to_text, text_to_html

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _draft(**more) -> MailDraft:
    fields = dict(sender="julie.bernard@a.mssante.fr", sender_name="Dr Julie BERNARD",
                  to=["thomas.durand@b.mssante.fr"], cc=["coordination@b.mssante.fr"],
                  subject="Résultats d'échographie — Mme Lefèvre",
                  html="<p>Bonjour,</p><p>Voici le <b>compte rendu</b>.</p>",
                  attachments=[MailPart("Compte rendu échographie n°2.pdf", "application/pdf", PDF)],
                  extra_headers={"X-MSS-INS": "O"})
    fields.update(more)
    return MailDraft(**fields)


def test_headers_bodies_and_attachment_names():
    message_id = new_message_id("julie.bernard@a.mssante.fr")
    assert message_id.endswith("@a.mssante.fr") and "<" not in message_id
    raw = to_bytes(build_mail(_draft(), message_id))
    assert b"\n" not in raw.replace(b"\r\n", b"")  # CRLF everywhere
    assert raw.isascii()  # 7-bit on the wire: headers RFC 2047, bodies quoted-printable/base64
    msg = parse(raw)
    assert msg["Message-ID"] == f"<{message_id}>"
    assert msg["From"].addresses[0].display_name == "Dr Julie BERNARD"
    assert msg["From"].addresses[0].addr_spec == "julie.bernard@a.mssante.fr"
    assert [a.addr_spec for a in msg["To"].addresses] == ["thomas.durand@b.mssante.fr"]
    assert [a.addr_spec for a in msg["Cc"].addresses] == ["coordination@b.mssante.fr"]
    assert msg["Subject"] == "Résultats d'échographie — Mme Lefèvre"
    assert msg["Disposition-Notification-To"] == "<julie.bernard@a.mssante.fr>"
    assert msg["X-MSS-INS"] == "O"
    assert re.match(r"\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000", msg["Date"])
    assert msg.get_content_type() == "multipart/mixed"
    assert msg.get_body(("plain",)).get_content().replace("\r\n", "\n").strip() == "Bonjour,\n\nVoici le compte rendu."
    assert "<b>compte rendu</b>" in msg.get_body(("html",)).get_content()
    [attachment] = list(msg.iter_attachments())
    assert attachment.get_filename() == "Compte rendu échographie n°2.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_payload(decode=True) == PDF
    assert b"filename*=utf-8''Compte%20rendu%20%C3%A9chographie%20n%C2%B02.pdf" in raw


def test_reply_headers_and_no_mdn_request():
    raw = to_bytes(build_mail(_draft(in_reply_to="first@b.mssante.fr", references=["root@a.mssante.fr"],
                                     ask_mdn=False, cc=[], attachments=[], extra_headers={}), "r@a.mssante.fr"))
    msg = parse(raw)
    assert msg["In-Reply-To"] == "<first@b.mssante.fr>"
    assert header_ids(msg["References"]) == ["root@a.mssante.fr", "first@b.mssante.fr"]
    assert msg["Disposition-Notification-To"] is None and msg["Cc"] is None and msg["X-MSS-INS"] is None
    assert msg.get_content_type() == "multipart/alternative"


def test_building_twice_changes_nothing_but_the_date():
    a = to_bytes(build_mail(_draft(), "same@a.mssante.fr"))
    b = to_bytes(build_mail(_draft(), "same@a.mssante.fr"))
    strip = lambda raw: re.sub(rb"Date: [^\r]*|=+\d+==", b"", raw)  # noqa: E731 (boundaries are random)
    assert strip(a) == strip(b)


def test_mdn_structure_both_ways():
    """STANDARDS.md: text, the disposition fields, then the original message itself (message/rfc822)."""
    original = parse(to_bytes(build_mail(_draft(), "orig-1@a.mssante.fr")))
    report = parse(to_bytes(build_mdn(original, "thomas.durand@b.mssante.fr", "julie.bernard@a.mssante.fr",
                                      "mdn-1@b.mssante.fr")))
    assert is_mdn(report)
    assert report.get_content_type() == "multipart/report"
    assert report.get_param("report-type") == "disposition-notification"
    text, notification, carried = list(report.iter_parts())
    assert text.get_content_type() == "text/plain" and "reçu et traité" in text.get_content()
    assert notification.get_content_type() == "message/disposition-notification"
    fields = notification.get_payload()[0]
    assert fields["Final-Recipient"] == "rfc822;thomas.durand@b.mssante.fr"
    assert fields["Original-Recipient"] is None  # the original carried none (RFC 8098 3.2.3)
    assert fields["Original-Message-ID"] == "<orig-1@a.mssante.fr>"
    assert fields["Disposition"] == "automatic-action/MDN-sent-automatically; processed"
    assert fields["Error"] is None
    assert carried.get_content_type() == "message/rfc822"
    [inner] = carried.get_payload()
    assert inner["Message-ID"] == "<orig-1@a.mssante.fr>" and inner.get_body(("plain",)) is not None
    assert report["To"] == "julie.bernard@a.mssante.fr" and report["In-Reply-To"] == "<orig-1@a.mssante.fr>"
    assert report["Auto-Submitted"] == "auto-replied"
    disposition = read_mdn(report)
    assert (disposition.original_message_id, disposition.final_recipient, disposition.kind, disposition.failed) == \
        ("orig-1@a.mssante.fr", "thomas.durand@b.mssante.fr", "processed", False)
    failed = read_mdn(parse(to_bytes(build_mdn(original, "t@b.mssante.fr", "j@a.mssante.fr", "mdn-2@b.mssante.fr",
                                               error=MdnError(552, "Pièce jointe refusée")))))
    assert failed.failed and failed.error == "552^Piece jointe refusee"
    assert failed.error_text == "Piece jointe refusee (552)"


def test_mdns_written_by_other_systems_are_read():
    raw = ("From: bal@autre.mssante.fr\r\nTo: julie@a.mssante.fr\r\nSubject: MDN\r\nMIME-Version: 1.0\r\n"
           "Content-Type: multipart/report; report-type=disposition-notification; boundary=\"B\"\r\n\r\n"
           "--B\r\nContent-Type: text/plain\r\n\r\nDisplayed\r\n"
           "--B\r\nContent-Type: message/disposition-notification\r\n\r\n"
           "Reporting-UA: autre; Logiciel\r\nFinal-Recipient: rfc822; BAL@autre.mssante.fr\r\n"
           "Original-Message-ID: <x1@a.mssante.fr>\r\n"
           "Disposition: manual-action/MDN-sent-manually; displayed\r\n\r\n--B--\r\n").encode()
    disposition = read_mdn(parse(raw))
    assert (disposition.final_recipient, disposition.kind, disposition.failed) == ("bal@autre.mssante.fr", "displayed", False)
    broken = raw.replace(b"Original-Message-ID: <x1@a.mssante.fr>\r\n", b"")
    assert read_mdn(parse(broken)) is None
    error = raw.replace(b"; displayed", b"; processed/error: 21^INS inconnu")
    assert read_mdn(parse(error)).error == "21^INS inconnu"


def test_html_is_sanitised_and_formatting_kept():
    dirty = ('<p onclick="x()">Bonjour <b>Dr</b> <i>Durand</i><script>alert(1)</script></p>'
             '<img src=x onerror="alert(2)"><a href="javascript:alert(3)">lien</a>'
             '<a href="https://esante.gouv.fr" target="_blank">ANS</a><ul><li>un</li></ul>'
             '<style>p{}</style><iframe src="https://evil"></iframe><table><tr><td>1</td></tr></table>')
    clean = clean_html(dirty)
    for bad in ("script", "onerror", "onclick", "javascript", "<img", "iframe", "<style", "alert(1)"):
        assert bad not in clean, bad
    for good in ("<b>Dr</b>", "<i>Durand</i>", "<ul><li>un</li></ul>", 'href="https://esante.gouv.fr"',
                 'rel="noopener noreferrer"', "<td>1</td>"):
        assert good in clean, good
    assert text_to_html("Bonjour <Dr>\n\nLigne 1\nLigne 2") == "<p>Bonjour &lt;Dr&gt;</p><p>Ligne 1<br>Ligne 2</p>"
    assert html_to_text("<p>Un</p><ul><li>deux</li></ul>") == "Un\n\n- deux"
