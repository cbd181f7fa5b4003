"""« Mails non distribués » for administrators: the list and its filters, releasing into a chosen mailbox,
discarding, every bad input answered in French at its field, the release picker's search, the page itself
(403 for others, login for anonymous visitors) and its link in the mail space."""
from __future__ import annotations

import html
import re

import pytest

from kernel.mail.models import UndeliveredMail
from kernel.mail.undelivered import accept_from_operator
from kernel.models import Account, AuditEvent, MailAddress
from mail.mail_helpers import mail_app, operator_mail
from support.factories import PASSWORD, bearer, make_account, make_structure
from support.query_counter import count_queries

ADMIN = "/mssante_mail/admin"
PAGE = "/admin/mails-non-distribues"


def _mail(n: int, to: str, mdn: bool = True) -> bytes:
    return operator_mail(n, to, mdn=mdn, tag="held-admin")


def held(n: int, to: str = "inconnu@a.mssante.fr", mdn: bool = True) -> int:
    """A mail the operator accepted for ``to`` that no mailbox takes: held by kernel/mail/undelivered.py."""
    reply = accept_from_operator(_mail(n, to, mdn), "secretariat@chu.mssante.fr", to)
    assert reply[0] >= 500
    return UndeliveredMail.get(UndeliveredMail.header_id == f"held-admin-{n}@chu.mssante.fr").id


def make_admin(login: str = "admin") -> Account:
    admin = make_account(login, "Ada", "Admin")
    admin.is_admin = True
    admin.save()
    return admin


@pytest.fixture
def platform(make_app, backend):
    app = mail_app(make_app, backend)
    with app.app_context():
        yield app


def test_bad_inputs_get_french_errors_at_their_field(platform):
    client = platform.test_client()
    admin, julie = make_admin(), make_account("julie", "Julie", "Bernard", addresses=("julie@a.mssante.fr",))
    auth = bearer(admin)
    first, second = held(1), held(2)
    reason = UndeliveredMail.get_by_id(first).reason

    def release(held_id, json=None, **kw):
        return client.post(f"{ADMIN}/undelivered/{held_id}/release", headers=auth, json=json, **kw)

    r = release(9999, {})
    assert r.status_code == 404 and r.json["errors"]["_schema"] == [
        "Ce mail non distribué est introuvable : rechargez la liste."]
    assert client.post(f"{ADMIN}/undelivered/9999/discard", headers=auth).status_code == 404
    r = release(first, [1, 2])
    assert r.status_code == 400 and "objet JSON" in r.json["errors"]["_schema"][0]
    assert release(first, {"to": 12}).json["errors"]["to"] == ["Indiquez une adresse de messagerie."]
    r = release(first, {"to": "pas une adresse"})
    assert r.status_code == 422 and r.json["errors"]["to"] == [
        "« pas une adresse » n'est pas une adresse de messagerie valide."]
    for nobody in ("personne@a.mssante.fr", "quelqu.un@autre-operateur.fr"):
        r = release(first, {"to": nobody})
        assert r.status_code == 422 and r.json["errors"]["to"][0].startswith(
            f"Aucune boîte de la plateforme ne détient l'adresse {nobody} : choisissez")
    # Typos are refused before anything is tried: no delivery attempt audited, the reason unchanged.
    assert not AuditEvent.select().where(AuditEvent.action == "mail.undelivered.release").exists()
    # Its own mailbox still does not exist: the refusal, and what to do.
    r = release(first, {"to": "  "})
    assert r.status_code == 422
    assert r.json["errors"]["to"] == ["Le mail n'a pas pu être remis (550). Aucune identité de la plateforme ne "
                                      "détient l'adresse inconnu@a.mssante.fr. Choisissez une autre boîte, par "
                                      "exemple la messagerie organisationnelle."]
    assert UndeliveredMail.get_by_id(first).reason == reason

    r = release(first, {"to": "Julie@A.mssante.fr"})
    assert r.status_code == 200, r.json
    assert r.json["to"] == {"address": "julie@a.mssante.fr",
                            "identity": {"id": julie.identity_id, "kind": "person", "display_name": "Julie BERNARD"}}
    assert r.json["held"] == 1
    row = r.json["row"]
    assert (row["status"], row["resolved_by_name"], row["released_to"]["address"]) == \
        ("released", "Ada ADMIN", "julie@a.mssante.fr")
    r = release(first, {"to": "julie@a.mssante.fr"})
    assert r.status_code == 409 and "déjà été remis" in r.json["errors"]["_schema"][0]
    assert client.post(f"{ADMIN}/undelivered/{first}/discard", headers=auth).status_code == 409

    r = client.post(f"{ADMIN}/undelivered/{second}/discard", headers=auth)
    assert r.status_code == 200 and r.json["row"]["status"] == "discarded" and r.json["held"] == 0
    r = release(second, {})
    assert r.status_code == 409 and r.json["errors"]["_schema"] == [
        "Ce mail a été supprimé définitivement : il ne peut plus être remis."]


def test_a_refusal_by_another_mailbox_keeps_why_the_mail_is_held(platform, monkeypatch):
    client = platform.test_client()
    admin = make_admin()
    make_account("julie", addresses=("julie@a.mssante.fr",))
    first = held(1)
    reason = UndeliveredMail.get_by_id(first).reason
    from kernel.mail import undelivered

    monkeypatch.setattr(undelivered, "accept", lambda raw, mail_from, targets, **kw: {
        targets[0]: (552, "5.3.4 Piece jointe refusee")})
    r = client.post(f"{ADMIN}/undelivered/{first}/release", headers=bearer(admin), json={"to": "julie@a.mssante.fr"})
    assert r.status_code == 422 and r.json["errors"]["to"][0].startswith("Le mail n'a pas pu être remis (552). "
                                                                         "Pièce jointe refusée")
    row = UndeliveredMail.get_by_id(first)
    assert (row.status, row.reason, row.code) == ("held", reason, 550)
    [attempt] = AuditEvent.select().where(AuditEvent.action == "mail.undelivered.release")
    assert attempt.outcome == "failed" and attempt.request["rcpt_to"] == "julie@a.mssante.fr"


def test_the_list_filters_and_describes_each_mail_in_a_fixed_number_of_queries(platform):
    client = platform.test_client()
    admin = make_admin()
    auth = bearer(admin)
    held(1, mdn=False)
    repap = make_structure("Coordination REPAP")
    MailAddress.create(identity=repap, address="repap@a.mssante.fr")
    released = held(2)
    assert client.post(f"{ADMIN}/undelivered/{released}/release", headers=auth,
                       json={"to": "repap@a.mssante.fr"}).status_code == 200
    discarded = held(3, "cardio@a.mssante.fr")
    client.post(f"{ADMIN}/undelivered/{discarded}/discard", headers=auth)
    held(4)

    r = client.get(f"{ADMIN}/undelivered", headers=auth)
    assert r.json["timezone"] == "Europe/Paris" and r.json["held"] == 2
    assert [row["message_id"] for row in r.json["undelivered"]] == ["held-admin-4@chu.mssante.fr",
                                                                   "held-admin-1@chu.mssante.fr"]
    row = r.json["undelivered"][1]
    assert (row["mailbox"], row["mailbox_holder"], row["error_mdn_sent"], row["released_to"]) == \
        ("inconnu@a.mssante.fr", None, False, None)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0[12]:00", row["created_at_local"])
    assert "Compte rendu" not in str(r.json)  # the envelope and the reason, never the content
    resolved = client.get(f"{ADMIN}/undelivered?status=resolved", headers=auth).json["undelivered"]
    assert [(x["status"], x["resolved_by_name"]) for x in resolved] == [("discarded", "Ada ADMIN"),
                                                                       ("released", "Ada ADMIN")]
    assert resolved[1]["released_to"] == {"address": "repap@a.mssante.fr", "identity": {
        "id": repap.id, "kind": "structure", "display_name": "Coordination REPAP"}}
    assert resolved[1]["resolved_at_local"] is not None
    assert len(client.get(f"{ADMIN}/undelivered?status=all", headers=auth).json["undelivered"]) == 4
    r = client.get(f"{ADMIN}/undelivered?status=tous", headers=auth)
    assert r.status_code == 400 and "resolved" in r.json["errors"]["status"][0]
    assert client.get(f"{ADMIN}/undelivered/count", headers=auth).json == {"held": 2}

    # The intended mailbox now exists: the list says whose it is.
    make_account("inconnu", "Ines", "Connue", addresses=("inconnu@a.mssante.fr",))
    with count_queries(platform) as few:
        rows = client.get(f"{ADMIN}/undelivered?status=all", headers=auth).json["undelivered"]
    assert rows[-1]["mailbox_holder"]["display_name"] == "Ines CONNUE"
    for n in range(5, 12):
        held(n, f"autre{n}@a.mssante.fr")
    with count_queries(platform) as many:
        assert len(client.get(f"{ADMIN}/undelivered?status=all", headers=auth).json["undelivered"]) == 11
    assert len(many) == len(few), many


def test_the_release_picker_searches_the_platform_mailboxes(platform):
    client = platform.test_client()
    admin = make_admin()
    auth = bearer(admin)
    helene = make_account("helene", "Hélène", "Étienne", profession="Infirmière", addresses=("h.etienne@a.mssante.fr",))
    make_account("julie", "Julie", "Bernard", addresses=("julie@a.mssante.fr",))
    repap = make_structure("Coordination REPAP", delegates=(helene,))
    MailAddress.create(identity=repap, address="repap@a.mssante.fr")
    lonely = make_structure("Secrétariat cardiologie")
    MailAddress.create(identity=lonely, address="secretariat.cardio@a.mssante.fr")

    r = client.get(f"{ADMIN}/release-targets", headers=auth).json
    assert [t["address"] for t in r["structures"]] == ["repap@a.mssante.fr", "secretariat.cardio@a.mssante.fr"]
    assert [t["delegates"] for t in r["structures"]] == [1, 0]
    assert [t["identity"]["display_name"] for t in r["professionals"]] == ["Hélène ÉTIENNE", "Julie BERNARD"]
    r = client.get(f"{ADMIN}/release-targets?q=helene etienne", headers=auth).json
    assert r["structures"] == [] and r["professionals"][0]["profession"] == "Infirmière"
    r = client.get(f"{ADMIN}/release-targets?q=secretariat", headers=auth).json
    assert [t["identity"]["id"] for t in r["structures"]] == [lonely.id]
    r = client.get(f"{ADMIN}/release-targets?group=professionals&limit=1&offset=1", headers=auth).json
    assert [t["address"] for t in r["professionals"]] == ["julie@a.mssante.fr"]
    assert r["more"] == {"professionals": False}
    assert "structures" not in r
    r = client.get(f"{ADMIN}/release-targets?limit=1", headers=auth).json
    assert r["more"] == {"structures": True, "professionals": True}
    for query, field in (("limit=beaucoup", "limit"), ("offset=-1", "offset"), ("group=services", "group")):
        r = client.get(f"{ADMIN}/release-targets?{query}", headers=auth)
        assert r.status_code == 400 and r.json["errors"][field], query


def test_only_administrators_reach_the_json_routes(platform):
    client = platform.test_client()
    julie = make_account("julie")
    first = held(1)
    for method, path in (("get", "/undelivered"), ("get", "/undelivered/count"), ("get", "/release-targets"),
                         ("post", f"/undelivered/{first}/release"), ("post", f"/undelivered/{first}/discard")):
        r = getattr(client, method)(ADMIN + path, headers=bearer(julie))
        assert r.status_code == 403 and r.json["errors"]["_schema"] == ["Réservé aux administrateurs de la plateforme."]
        assert getattr(client, method)(ADMIN + path).status_code in (400, 401)  # no session: no CSRF token either
    assert UndeliveredMail.get_by_id(first).status == "held"


# --- the page, through a browser session -----------------------------------------------------------

def _sign_in(client, login):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
    r = client.post("/login", data={"login": login, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 302


def test_the_page_is_for_administrators_and_linked_from_their_mail_space(make_app):
    app = mail_app(make_app)
    with app.app_context():
        make_admin()
        make_account("julie", "Julie", "Bernard", addresses=("julie@a.mssante.fr",))
    anonymous, admin, julie = app.test_client(), app.test_client(), app.test_client()
    r = anonymous.get(PAGE)
    assert r.status_code == 302 and r.headers["Location"] == f"/login?next={PAGE}"

    _sign_in(julie, "julie")
    r = julie.get(PAGE)
    page = html.unescape(r.get_data(as_text=True))
    assert r.status_code == 403 and "<h1>Accès réservé</h1>" in page
    assert "réservée aux administrateurs de la plateforme" in page and "Se déconnecter" in page
    assert PAGE not in html.unescape(julie.get("/?espace=mail").get_data(as_text=True))

    _sign_in(admin, "admin")
    r = admin.get(PAGE)
    page = html.unescape(r.get_data(as_text=True))
    assert r.status_code == 200 and "<h1>Mails non distribués</h1>" in page and "js/undelivered.js" in page
    assert 'lang="fr"' in page and "Se déconnecter" in page and "css/admin.css" in page
    inbox = html.unescape(admin.get("/?espace=mail").get_data(as_text=True))
    assert f'id="mssante_mail_undelivered" class="nav-item" href="{PAGE}"' in inbox  # the plugin's menu link


def test_the_release_picker_counts_only_the_delegates_who_read_the_mailbox_today(platform):
    """« Aucun délégué ne lit cette boîte »: a deactivated delegate or a withdrawn delegation is no reader."""
    from kernel.auth.account_state import deactivate
    from kernel.services import delegations

    client = platform.test_client()
    auth = bearer(make_admin())
    helene = make_account("helene", "Hélène", "Étienne", profession="Infirmière")
    paul, claire = make_account("paul", "Paul", "Petit"), make_account("claire", "Claire", "Moreau")
    repap = make_structure("Coordination REPAP", delegates=(paul, claire))
    MailAddress.create(identity=repap, address="repap@a.mssante.fr")
    assert client.get(f"{ADMIN}/release-targets", headers=auth).json["structures"][0]["delegates"] == 2
    with platform.test_request_context():
        deactivate(Account.get_by_id(paul.id))
        delegations.withdraw(delegations.one(delegations.held_by(claire.id)[0].id))
    assert client.get(f"{ADMIN}/release-targets", headers=auth).json["structures"][0]["delegates"] == 0
    delegations.grant(repap, helene)
    assert client.get(f"{ADMIN}/release-targets", headers=auth).json["structures"][0]["delegates"] == 1
