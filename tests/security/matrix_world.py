"""The authorisation matrix's world: one app with every built-in plugin, a shared exchange, and one account per role.

The roles are the people an attacker can be on the platform. Every private thing of the world (the
exchange's subject and message, the patient's name, the attachment's name) carries a word found nowhere
else, so a response can be searched for it: a role that may not see them must never receive one.
"""
from __future__ import annotations

import datetime as dt
import io
import itertools
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from flask import Flask, session
from flask.testing import FlaskClient
from flask_wtf.csrf import generate_csrf

from kernel.db import utcnow
from kernel.mail.inbound import accept
from kernel.mail.undelivered import hold
from kernel.models import Account, Delegation, Identity, Membership, MailAddress, Patient, PatientUse
from kernel.testing import make_account, make_patient, make_structure, sign_in

ROLES = ("anonymous", "member", "non_member", "delegate", "withdrawn", "deactivated", "admin")
# Who is entitled to the shared exchange, its attachment and its patient: its member, and the delegate of
# a member structure. Nobody else ever receives a word of them (an administrator of the platform included).
ENTITLED = ("member", "delegate")
DOMAIN = "matrice.mssante.fr"
SECRETS = {
    "subject": "Ornithorynque",      # the exchanges' subject (chat and mail)
    "body": "Axolotl",               # their first message
    "patient": "QUETZALCOATL",       # the patient's birth name
    "attachment": "narval",          # the attachment's file name
}
PATIENT_INS = "279035121518989"      # a woman born in March 1979: the patient's INS
_sequence = itertools.count(1)


@dataclass
class Credentials:
    """How one role calls: a bearer token and a session cookie with its CSRF token (None: anonymous)."""

    token: str | None
    cookie: str | None
    csrf: str


@dataclass
class World:
    app: Flask
    accounts: dict[str, Account]
    structure: Identity          # a member of the shared exchanges; the delegate acts for it
    bystander: Identity          # a structure nobody acts for: a harmless other participant for new exchanges
    patient: Patient             # in the member's care (used, and the shared exchange is about them)
    exchange_id: int             # the shared conversation
    mail_id: int                 # the shared mail thread
    attachment_id: int           # attached to the shared conversation's first message
    stale: dict[str, Credentials] = field(default_factory=dict)  # issued before the role lost its rights

    # --- clients -----------------------------------------------------------------------------------
    def client(self, role: str, auth: str) -> FlaskClient:
        """A fresh test client calling as ``role`` with ``auth`` ("token" or "session").

        Credentials are issued anew for each cell (a cell that logs out or revokes ends only its own),
        except for roles whose credentials must predate the loss of their rights."""
        creds = self.stale.get(role) or self.credentials(role)
        client = self.app.test_client()
        if auth == "token":
            if creds.token:
                client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {creds.token}"
            return client
        # Anonymous visitors hold a CSRF token too (the login page gives one): what refuses them must be
        # the authorisation, not the CSRF check.
        if creds.cookie:
            client.set_cookie(self.app.config["SESSION_COOKIE_NAME"], creds.cookie)
        client.environ_base["HTTP_X_CSRFTOKEN"] = creds.csrf
        return client

    def credentials(self, role: str) -> Credentials:
        if role == "anonymous":
            return anonymous_credentials(self.app)
        return self.sign_in(self.accounts[role])

    def sign_in(self, account: Account) -> Credentials:
        """A new token and a new session of ``account``."""
        with self.app.app_context():
            user = sign_in(self.app, Account.get_by_id(account.id))
            return Credentials(user.token, user.session_cookie(), user.browser.environ_base["HTTP_X_CSRFTOKEN"])

    # --- fresh objects, for cells that change or delete what they act on ---------------------------
    def fresh_chat(self) -> int:
        """A new conversation shaped like the shared one (same members, patient and secret words)."""
        with self.app.app_context():
            return _chat(self).id

    def fresh_mail(self) -> int:
        """A new received mail thread shaped like the shared one."""
        with self.app.app_context():
            return _mail(self)

    def fresh_held_mail(self) -> int:
        """A new undelivered mail waiting for an administrator."""
        with self.app.app_context():
            n = next(_sequence)
            raw = _mail_bytes(f"nobody@{DOMAIN}", f"Courrier en attente {n}", "Sans destinataire.", f"held-{n}")
            row = hold(raw, "secretariat@chu.mssante.fr", f"nobody@{DOMAIN}", (550, "5.1.1 Unknown mailbox"),
                       "Boîte inconnue.")
            assert row is not None
            return row.id

    def member_credential(self, kind: str) -> int:
        """The id of a new session ("sessions") or token ("tokens") of the member, as the account's own
        list gives it (``/api/v1/me/<kind>``, the entry marked current)."""
        client = self.client("member", "session" if kind == "sessions" else "token")
        rows = client.get(f"/api/v1/me/{kind}").json[kind]
        [current] = [row["id"] for row in rows if row["current"]]
        return current

    def foreign_patient(self) -> int:
        """A new patient nobody cares for yet."""
        with self.app.app_context():
            n = next(_sequence)
            return make_patient("Jeanne", f"ETRANGERE {n}", birth_date=dt.date(1950, 1, 1) + dt.timedelta(days=n)).id


def anonymous_credentials(app: Flask) -> Credentials:
    with app.test_request_context():
        csrf = generate_csrf()
        values = dict(session)
    client = app.test_client()
    with client.session_transaction() as cookie_session:
        cookie_session.update(values)
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    return Credentials(None, cookie.value if cookie else None, csrf)


def build_world(app: Flask) -> World:
    """Everyone, the shared exchanges, then the roles lose their rights: the withdrawn delegate's
    delegation ends, the deactivated account (a member, and a delegate too) is deactivated."""
    with app.app_context():
        a = {
            "member": make_account("matrice_membre", "Marie", "Membre", addresses=(f"marie@{DOMAIN}",)),
            "non_member": make_account("matrice_autre", "Noé", "Autre"),
            "delegate": make_account("matrice_delegue", "Denis", "Delegue"),
            "withdrawn": make_account("matrice_retire", "Rita", "Retiree"),
            "deactivated": make_account("matrice_desactive", "Damien", "Desactive"),
            "admin": make_account("matrice_admin", "Ada", "Admin", is_admin=True),
        }
        structure = make_structure("Coordination Matrice", delegates=(a["delegate"], a["withdrawn"], a["deactivated"]))
        bystander = make_structure("Plateforme Témoin")
        patient = make_patient("Philomène", SECRETS["patient"], birth_date=dt.date(1979, 3, 15), ins=PATIENT_INS)
        PatientUse.create(account=a["member"], patient=patient, last_used_at=utcnow())
        attachment = app.extensions["relais"].attachments.save(
            io.BytesIO(b"compte rendu confidentiel"), f"{SECRETS['attachment']}-compte-rendu.txt", a["member"])
        world = World(app, a, structure, bystander, patient, 0, 0, attachment.id)
        world.exchange_id = _chat(world, attachments=[attachment.id]).id
        world.mail_id = _mail(world)
        deactivated = world.credentials("deactivated")
        Delegation.update(revoked_at=utcnow()).where(Delegation.delegate == a["withdrawn"]).execute()
        Account.update(active=False).where(Account.id == a["deactivated"].id).execute()
        world.stale["deactivated"] = deactivated
        return world


def _chat(world: World, attachments: list[int] | tuple = ()) -> Any:
    member = Account.get_by_id(world.accounts["member"].id)
    exchange, _ = world.app.extensions["relais"].sender.start_exchange("conversation", member, {
        "acting_as": member.identity_id, "members": [world.structure.id], "patient": world.patient.id,
        "subject": f"{SECRETS['subject']} : avis", "body": f"{SECRETS['body']} : bilan joint",
        "attachments": list(attachments)})
    join(exchange.id, world.accounts["deactivated"])
    return exchange


def _mail(world: World) -> int:
    n = next(_sequence)
    address = f"marie@{DOMAIN}"
    raw = _mail_bytes(address, f"{SECRETS['subject']} : compte rendu {n}", f"{SECRETS['body']} : résultats",
                      f"matrice-{n}")
    assert accept(raw, "emilie.lefevre@chu.mssante.fr", [address], source="smtp", peer="127.0.0.1")[address][0] == 250
    identity = MailAddress.get(MailAddress.address == address).identity_id
    exchange_id = (Membership.select(Membership.exchange).where(Membership.identity == identity)
                   .order_by(Membership.exchange.desc()).scalar())
    Membership.create(exchange=exchange_id, identity=world.structure.id, role="member")
    join(exchange_id, world.accounts["deactivated"])
    return exchange_id


def join(exchange_id: int, account: Account) -> None:
    """Make ``account``'s own identity a member of the exchange."""
    Membership.insert(exchange=exchange_id, identity=account.identity_id, role="member").on_conflict_ignore().execute()


def _mail_bytes(to: str, subject: str, text: str, key: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Émilie Lefèvre <emilie.lefevre@chu.mssante.fr>"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{key}@chu.mssante.fr>"
    msg.set_content(text)
    return msg.as_bytes()

