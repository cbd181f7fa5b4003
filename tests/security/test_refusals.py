"""Clean refusals, never a 500: nested JSON, lone surrogates, line breaks in one-line fields, huge id lists,
bidirectional controls in names and file names (issue #10, item 9)."""
from __future__ import annotations

import io

import pytest

from kernel.mail.compose import MailDraft, build_mail, to_bytes
from kernel.models import Account, Exchange, Identity, Membership
from kernel.plain_text import one_line, strip_bidi
from kernel.services.attachments import sanitize_filename
from support.factories import bearer, make_account, make_patient

SEND = "/api/v1/channels/test_chat/exchanges"


def _json(client, method: str, url: str, text: str, headers: dict):
    return client.open(url, method=method, data=text.encode("utf-8", "surrogatepass"),
                       content_type="application/json", headers=headers)


def _draft(alice: Account, bob: Account, **more) -> dict:
    return {"acting_as": alice.identity_id, "members": [bob.identity_id], "subject": "Sortie", "body": "Bonjour",
            **more}


@pytest.mark.parametrize("depth", [40, 10_000, 200_000])
def test_deeply_nested_json_is_a_400_in_french(app, client, depth):
    alice = make_account("alice")
    r = _json(client, "POST", SEND, '{"subject": ' + "[" * depth + "]" * depth + "}", bearer(alice))
    assert r.status_code == 400, r.data[:200]
    # Named at its field when the decoder could read it; thousands deep, the body as a whole.
    assert r.json == {"errors": {"subject" if depth < 1000 else "_schema": ["Le contenu est trop imbriqué."]}}
    r = _json(client, "POST", "/api/v1/patients", "[" * depth + "]" * depth, bearer(alice))
    assert r.status_code == 400 and r.json["errors"]["_schema"] == ["Le contenu est trop imbriqué."]
    assert Exchange.select().count() == 0


@pytest.mark.parametrize("field", ["subject", "body"])
def test_a_lone_surrogate_is_refused_at_its_field(app, client, field):
    alice, bob = make_account("alice"), make_account("bob")
    text = '{"acting_as": %d, "members": [%d], "subject": "Sortie", "body": "Bonjour"}' % (alice.identity_id,
                                                                                           bob.identity_id)
    text = text.replace('"Sortie"' if field == "subject" else '"Bonjour"', '"a\\ud800b"')
    r = _json(client, "POST", SEND, text, bearer(alice))
    assert r.status_code == 400, r.json
    assert r.json == {"errors": {field: ["Le texte contient un caractère invalide (code isolé)."]}}
    # A raw (not escaped) surrogate is not UTF-8 at all: refused too, never decoded into the database.
    r = _json(client, "POST", SEND, text.replace("\\ud800", "\ud800"), bearer(alice))
    assert r.status_code == 400
    assert Exchange.select().count() == 0


def test_surrogates_in_keys_patient_names_and_plugin_routes_are_refused(app, client):
    alice = make_account("alice")
    r = _json(client, "POST", "/api/v1/patients", '{"birth_name\\udfff": "X"}', bearer(alice))
    assert r.status_code == 400 and r.json["errors"] == {"_schema": ["Un nom de champ contient un caractère invalide."]}
    r = _json(client, "POST", "/api/v1/patients", '{"birth_name": "DUPONT\\ud83d", "first_names": "Jean", '
              '"birth_date": "1980-01-02", "sex": "M"}', bearer(alice))
    assert r.status_code == 400 and r.json["errors"] == {
        "birth_name": ["Le texte contient un caractère invalide (code isolé)."]}


def test_the_string_field_refuses_a_surrogate_given_in_code(app):
    from kernel.schemas import french as f
    from marshmallow import ValidationError

    with pytest.raises(ValidationError) as caught:
        f.String().deserialize("a\ud800")
    assert caught.value.messages == ["Le texte contient un caractère invalide (code isolé)."]


def test_line_breaks_in_a_subject_are_folded_never_a_header(app, client):
    alice, bob = make_account("alice"), make_account("bob")
    r = client.post(SEND, headers=bearer(alice), json=_draft(alice, bob, subject="Sortie\r\nBcc: espion@ailleurs.fr\n"))
    assert r.status_code == 201, r.json
    exchange = Exchange.get_by_id(r.json["exchange"]["id"])
    assert exchange.subject == "Sortie Bcc: espion@ailleurs.fr"
    r = client.patch(f"/api/v1/exchanges/{exchange.id}", headers=bearer(alice), json={"subject": "A\r\nB\u202e"})
    assert r.status_code == 200, r.json
    assert Exchange.get_by_id(exchange.id).subject == "A B"


def test_a_mail_built_from_a_subject_or_name_with_line_breaks_has_them_folded(app):
    # A received subject may carry an encoded line break (=?utf-8?q?a=0AB?=); a reply reuses it.
    msg = build_mail(MailDraft(sender="julie@a.mssante.fr", sender_name="Julie\r\nBcc: x@y.fr", to=["p@b.fr"],
                               subject="Re: Sortie\r\nBcc: espion@ailleurs.fr", html="<p>x</p>"), "m1@a.mssante.fr")
    raw = to_bytes(msg)
    assert b"\r\nBcc:" not in raw
    assert msg["Subject"] == "Re: Sortie Bcc: espion@ailleurs.fr"


def test_patient_names_are_one_line_without_bidi_controls(app, client):
    alice = make_account("alice")
    r = client.post("/api/v1/patients", headers=bearer(alice), json={
        "birth_name": "DUPONT\r\nX", "first_names": "Jean\u202e", "birth_date": "1980-01-02", "sex": "M"})
    assert r.status_code == 201, r.json
    assert (r.json["patient"]["birth_name"], r.json["patient"]["first_names"]) == ("DUPONT X", "Jean")


def test_a_hundred_thousand_member_ids_are_refused_at_the_field(app, client):
    alice, bob = make_account("alice"), make_account("bob")
    r = client.post(SEND, headers=bearer(alice), json=_draft(alice, bob))
    exchange_id = r.json["exchange"]["id"]
    ids = list(range(1, 100_001))
    r = client.post(f"/api/v1/exchanges/{exchange_id}/members", headers=bearer(alice), json={"members": ids})
    assert r.status_code == 422
    assert r.json == {"errors": {"members": ["1000 éléments au plus."]}}
    r = client.post(SEND, headers=bearer(alice), json=_draft(alice, bob, members=ids, attachments=ids))
    assert r.status_code == 422
    assert r.json["errors"]["members"] == ["1000 éléments au plus."]
    assert r.json["errors"]["attachments"] == ["1000 éléments au plus."]
    assert Membership.select().where(Membership.exchange == exchange_id).count() == 2


def test_bidi_controls_leave_file_names_and_display_names(app, client):
    alice = make_account("alice", first="Al\u202eice", last="Mar\u2066tin\ntest")
    stored = Account.get_by_id(alice.id)
    assert (stored.first_name, stored.last_name) == ("Alice", "Martin test")
    assert Identity.get_by_id(alice.identity_id).display_name == "Alice MARTIN TEST"
    r = client.post("/api/v1/attachments", headers=bearer(alice),
                    data={"file": (io.BytesIO(b"%PDF-1.4 x"), "facture\u202efdp.exe")},
                    content_type="multipart/form-data")
    assert r.status_code == 201, r.json
    assert r.json["attachment"]["filename"] == "facturefdp.exe"


def test_plain_text_helpers():
    assert strip_bidi("a\u200eb\u200fc\u202ad\u2069") == "abcd"
    assert one_line(" a\r\n\tb\u2028c\x00 ") == "a b c"
    assert sanitize_filename("x\u2067y.pdf") == "xy.pdf"
