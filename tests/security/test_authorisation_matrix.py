"""The authorisation matrix: every route of the app (kernel, shell, every enabled plugin) × every role.

Each route is declared once in ROUTES: the status each role gets, and how to fill its URL and body. The
app's URL map is the list of routes: a route without a declaration fails ``test_every_route_is_declared``,
so a new route (a plugin's included) is covered before it ships. How to declare one: docs/security.md,
"The authorisation matrix".
"""
from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Blueprint

from kernel import hookimpl
from kernel.testing import LiveServer, TestApps, next_event
from security.matrix_cells import (AUTHS, Expect, Socket, admins_only, ask, attachment, cells, check, fresh_chat,
                                   fresh_mail, held_mail, how_to_declare, json, members_only, method_of, page,
                                   patient, public, rules_by_endpoint, shared_chat, shared_mail, signed_in,
                                   undeclared, values)
from security.matrix_admin import ADMIN_ROUTES
from security.matrix_dpi import member_push
from security.matrix_delegations import DELEGATION_ROUTES
from security.matrix_drafts import member_draft, shared_chat_screen
from security.matrix_pwa import PWA_ROUTES
from security.matrix_psc import PSC_ROUTES
from security.matrix_serving import SERVING_ROUTES
from security.matrix_audit import AUDIT_ROUTES
from security.matrix_sockets import close, connect, heard, is_refused, losing_rights, post_in_shared_exchange
from security.matrix_teleexpertise_finalisation import failed_report as te_failed_report
from security.matrix_teleexpertise import expert_id as te_expert_id
from security.matrix_teleexpertise import expert_questions as te_expert_questions
from security.matrix_teleexpertise import reopen as te_reopen
from security.matrix_teleexpertise import structure_profile as te_structure_profile
from security.matrix_teleexpertise_finalisation import teleexpertise as te_request
from security.matrix_teleexpertise_admin import TE_ADMIN_ROUTES
from security.matrix_teleexpertise_billing import billed_period as te_billed_period
from security.matrix_teleexpertise_billing import limit_elsewhere as te_limit_elsewhere
from security.matrix_visio import visio_call
from security.matrix_world import DOMAIN, ENTITLED, PATIENT_INS, ROLES, World, build_world

# A bug the matrix finds is named here once (a constant per bug) and given to the cells it breaks in their
# declaration's ``bugs``: they are strict xfails until it is fixed. None is open today.

# A write outside /api without a bearer token is CSRF-checked before anything (400 « La page a expiré »):
# a request with no credentials at all, and a deactivated account's ended session (its CSRF secret ended
# with it). Right: exempting cookie-less requests would let another site sign a victim's fresh browser in
# (login CSRF); only /api, whose every write needs an account, answers such visitors 401 instead. A visitor
# holding the login page's CSRF token gets the 401.
PLUGIN_WRITE = dict(anonymous={"token": 400, "session": 401}, deactivated={"token": 401, "session": 400})


def new_conversation(world: World, role: str) -> dict[str, Any]:
    """A conversation with a bystander, about the world's patient for those who care for them, about a
    patient nobody cares for otherwise (a fresh one per cell: a wrongly accepted one spoils no other cell)."""
    account = world.accounts.get(role)
    about = world.patient.id if role in ENTITLED else world.foreign_patient()
    return {"json": {"acting_as": account.identity_id if account else None, "members": [world.bystander.id],
                     "patient": about, "subject": "Nouvel avis", "body": "Bonjour."}}


def same_ins_other_person(world: World, role: str) -> dict[str, Any]:
    """The world patient's INS, typed with another person's traits: refused, without naming the holder."""
    return {"json": {"birth_name": "DUPONT", "first_names": "Jeanne", "birth_date": "1979-03-15", "sex": "F",
                     "ins": PATIENT_INS, "qualified": True}}


def one_file(world: World, role: str) -> dict[str, Any]:
    return {"data": {"file": (io.BytesIO(b"une note"), "note.txt")}, "content_type": "multipart/form-data"}


def shell_file(world: World, role: str) -> dict[str, Any]:
    version = world.app.extensions["relais_assets"].folders["shell"].version
    return {"plugin": "shell", "version": version, "filename": "js/api.js"}


def about_patient(world: World, role: str) -> dict[str, Any]:
    return {"patient": world.patient.id}


SIGNED_OUT_PAGE = dict(anonymous=200, member=302, non_member=302, delegate=302, withdrawn=302, deactivated=200,
                       admin=302)

ROUTES: dict[str, Expect | Socket] = {
    # --- kernel: the JSON API (/api/v1) -------------------------------------------------------------
    "api.list_channels": signed_in(200),
    # Patients (issue #10 item 4): a form's defaults, a new exchange, a search by name and the « already exists »
    # error name the world's patient only to those who care for them.
    "api.channel_form": signed_in(200, url=lambda w, r: {"name": "conversation", "patient": w.patient.id}),
    "api.start_exchange": signed_in(201, non_member=422, withdrawn=422, admin=422, url=values(name="conversation"),
                                    body=new_conversation),
    "api.list_connectors": signed_in(200),
    "api.search_directory": signed_in(200, url=values(q="coordination")),
    "api.list_exchanges": signed_in(200, url=about_patient),
    "api.get_exchange": members_only(200, url=shared_chat),
    "api.update_exchange": members_only(200, url=fresh_chat, body=json({"subject": "Renommé"})),
    "api.add_members": members_only(201, url=fresh_chat, body=lambda w, r: {"json": {"members": [w.bystander.id]}}),
    "api.list_messages": members_only(200, url=shared_chat),
    "api.post_message": members_only(201, url=shared_chat, body=json({"body": "Bien reçu."})),
    "api.mark_read": members_only(200, url=shared_chat, body=json({})),
    "api.receipts": members_only(200, url=shared_chat),
    "api.synthesis": members_only(422, url=shared_chat, body=json({"messages": "tous"})),
    "api.upload_attachment": signed_in(201, body=one_file),
    "api.download_attachment": members_only(200, url=attachment),
    "api.integrate": members_only(422, url=attachment, body=json({"target": "logiciel-inconnu"})),
    "api.decode_ins": signed_in(200, url=values(ins=PATIENT_INS)),
    "api.me": signed_in(200),
    "api.my_sessions": signed_in(200),
    "api.my_tokens": signed_in(200),
    # Sessions and tokens are personal: only their owner ends them (204); anyone else is told there is none.
    "api.end_my_session": signed_in(404, member=204, url=lambda w, r: {"session_id": w.member_credential("sessions")}),
    "api.revoke_my_token": signed_in(404, member=204, url=lambda w, r: {"token_id": w.member_credential("tokens")}),
    "api.search_patients": signed_in(200, url=values(q="quetzalcoatl")),
    "api.create_patient": signed_in(422, body=same_ins_other_person),
    "api.get_patient": members_only(200, url=patient),
    # Drafts are personal: only their owner reads or removes them; a screen about an exchange one cannot see is 404;
    # one who sees it but holds no draft of it gets 204 (nothing to take back, nothing to remove).
    "api.get_draft": members_only(204, member=200, url=member_draft),
    "api.save_draft": members_only(200, url=shared_chat_screen, body=json({"fields": {"body": "Brouillon"}})),
    "api.delete_draft": members_only(204, url=member_draft),
    # An invalid bearer token is refused wherever it is sent; a cleared session is a visitor's.
    "openapi.openapi_document": public(200, deactivated={"token": 401, "session": 200}),
    "static": public(200, url=shell_file),
    "live_events": Socket(anonymous="refused", member="receives", non_member="silent", delegate="receives",
                          withdrawn="silent", deactivated="refused", admin="silent"),
    # --- the shell's pages ------------------------------------------------------------------------
    "shell.login": Expect(**SIGNED_OUT_PAGE, auth=("session",), page=True),
    "shell.login_submit": public(400, auth=("session",), page=True),  # an empty form, refused before any check
    "shell.logout": public(302, deactivated=400, auth=("session",), page=True),  # 400: its session ended
    "shell.inbox": page(200),
    "shell.compose": page(200, url=values(name="conversation")),
    "shell.thread": page(200, others=404, url=shared_chat),
    "shell.patients": page(200),  # « Mes patients »: one's own, drawn from /api/v1/patients
    "shell.patient": page(200, others=404, url=patient),
    "shell.access": page(200),  # « Sessions et accès »: one's own, drawn from /api/v1/me/sessions and tokens
    # --- conversation plugin ------------------------------------------------------------------------
    "conversation.existing": signed_in(200, url=about_patient),
    # --- mssante_mail plugin -------------------------------------------------------------------------
    "mssante_mail.mailboxes": signed_in(200),
    "mssante_mail.search": signed_in(200, url=values(q="ornithorynque")),
    "mssante_mail.status": members_only(200, url=shared_mail),
    "mssante_mail.unread": members_only(200, url=fresh_mail, **PLUGIN_WRITE),
    "mssante_mail.reply": members_only(422, url=shared_mail, body=json({"all": "oui"}), **PLUGIN_WRITE),
    "mssante_mail.forward": members_only(422, url=shared_mail, body=json({"message": "dernier"}), **PLUGIN_WRITE),
    "mssante_mail.delete": members_only(200, url=fresh_mail, **PLUGIN_WRITE),
    "mssante_mail_pages.undelivered": page(403, admin=200),
    "mssante_mail_admin.undelivered": admins_only(200),
    "mssante_mail_admin.undelivered_count": admins_only(200),
    "mssante_mail_admin.release_targets": admins_only(200),
    "mssante_mail_admin.audit": admins_only(200),
    "mssante_mail_admin.discard_one": admins_only(200, url=held_mail, **PLUGIN_WRITE),
    "mssante_mail_admin.release_one": admins_only(422, url=held_mail, body=json({"to": "pas-une-adresse"}),
                                                  **PLUGIN_WRITE),
    # --- teleexpertise plugin ----------------------------------------------------------------------
    # Request side (TE-1 to TE-5): anyone signed in finds experts and reads their questions and profiles; a
    # structure's profile is edited by its delegates only (403 for others); a request's routes answer 404 to
    # whoever is not in its exchange, and a status move is the expert side's (the requester: 403).
    "teleexpertise.profile_page": page(200),
    "teleexpertise.queue_page": page(200),
    "teleexpertise.profiles": signed_in(200),
    "teleexpertise.save_profile": signed_in(403, delegate=200, url=te_structure_profile,
                                            body=json({"scope": "Avis sur dossier"}), **PLUGIN_WRITE),
    "teleexpertise.search_experts": signed_in(200, url=values(q="avis")),
    "teleexpertise.expert_profile": signed_in(200, url=te_expert_id),
    "teleexpertise.screen_questions": signed_in(200, url=te_expert_questions),
    "teleexpertise.list_requests": signed_in(200, url=values(role="all")),
    "teleexpertise.to_handle_count": signed_in(200),
    "teleexpertise.request_detail": members_only(200, url=te_request),
    "teleexpertise.change_status": members_only(200, member=403, url=te_reopen, body=json({}), **PLUGIN_WRITE),
    # Finalisation (TE-6): the member asked, the structure is the expert (its delegate finalises). The requester
    # is told only the expert side finalises (403, before any check of what was sent); a non-member gets 404.
    "teleexpertise_finalisation.finalisation_state": members_only(200, url=te_request),
    "teleexpertise_finalisation.finalise": members_only(422, member=403, url=te_request, body=json({}),
                                                        **PLUGIN_WRITE),
    "teleexpertise_finalisation.retry_report": members_only(202, member=403, url=te_failed_report, **PLUGIN_WRITE),
    # Billing (TE-8): each account's own acts: the world has a finalised one (the member's RQD, the delegate's
    # TE2); an administrator or a non-member reads none of it (no patient name). The yearly limit about a
    # patient outside the caller's care answers nothing.
    "teleexpertise_billing.acts": signed_in(200, url=te_billed_period),
    "teleexpertise_billing.acts_file": signed_in(200, url=te_billed_period),
    "teleexpertise_billing.limit": signed_in(200, url=te_limit_elsewhere),
    "teleexpertise_billing.billing_page": page(200, url=te_billed_period),
    # --- dpi_hl7 and dpi_fhir plugins (and the kernel's integration routes) -------------------------
    # A push is its author's alone: anyone else is told there is none. Retrying the member's failed push:
    # its connector is not configured here (422).
    "api.list_integrations": signed_in(200, url=lambda w, r: {"exchange": w.exchange_id}),
    "api.show_integration": signed_in(404, member=200, url=member_push),
    "api.retry_push": signed_in(404, member=422, url=member_push),
    # --- visio and jitsi plugins ----------------------------------------------------------------------
    "visio.call_page": page(200, others=404, url=shared_chat),
    "visio.join": members_only(201, url=fresh_chat, body=json({}), **PLUGIN_WRITE),
    "visio.leave": members_only(200, url=visio_call, body=json({"peer": "page-inconnue"}), **PLUGIN_WRITE),
    "visio.heartbeat": members_only(409, url=visio_call, body=json({"peer": "page-inconnue"}), **PLUGIN_WRITE),
    "visio.decline": members_only(200, url=visio_call, body=json({}), **PLUGIN_WRITE),
    "visio.ringing": signed_in(200),
    # --- usager plugin -------------------------------------------------------------------------------
    # Who an INS reaches (USAGER-2): anyone signed in may decode one; a patient's name only for those in care.
    "usager.recipient": signed_in(200, url=values(ins=PATIENT_INS)),
    # --- documents plugin ----------------------------------------------------------------------------
    # The per-document questions: anyone signed in; only the caller's own files are described.
    "documents.fields": signed_in(200, url=values(attachments="1,2")),
    # The virtual printer's draft (DOC-5): each account its own; another's file is "not in your draft".
    "documents.show_draft": signed_in(200),
    "documents.add_to_draft": signed_in(400, **PLUGIN_WRITE),
    "documents.remove_from_draft": signed_in(404, url=values(attachment_id=1), **PLUGIN_WRITE),
    # --- the administration (accounts, structures) and one-time password links: matrix_admin.py ------
    **ADMIN_ROUTES,
}
ROUTES.update(PWA_ROUTES)  # the installable app's routes (web/pwa.py)
ROUTES.update(PSC_ROUTES)  # sign-in with Pro Santé Connect (web/views.py)
ROUTES.update(SERVING_ROUTES)  # health probes and metrics (kernel/health.py, kernel/metrics.py)
ROUTES.update(AUDIT_ROUTES)  # the audit trail for administrators (kernel/api/admin_audit.py, web/admin_audit)
ROUTES.update(DELEGATION_ROUTES)  # « Mes délégations » and the administration's list (matrix_delegations.py)
ROUTES.update(TE_ADMIN_ROUTES)  # a structure's expert profile, edited from the administration


def test_every_route_is_declared(matrix_app):
    missing = undeclared(matrix_app, ROUTES)
    assert not missing, how_to_declare(missing)
    stale = sorted(set(ROUTES) - set(rules_by_endpoint(matrix_app)))
    assert not stale, f"declared in ROUTES but no such route any more: {stale}"
    for endpoint, rule in rules_by_endpoint(matrix_app).items():
        method_of(rule)  # one method per endpoint: a declaration says what one request gets


def _params():
    for endpoint, role, auth, bug in cells(ROUTES):
        marks = [pytest.mark.xfail(strict=True, reason=bug)] if bug else []
        yield pytest.param(endpoint, role, auth, marks=marks, id=f"{endpoint}-{role}-{auth}")


@pytest.mark.parametrize("endpoint, role, auth", list(_params()))
def test_cell(world, endpoint, role, auth):
    declared = ROUTES[endpoint]
    assert isinstance(declared, Expect)
    check(world, rules_by_endpoint(world.app)[endpoint], declared, role, auth)


# --- the routes' list is the app's ----------------------------------------------------------------------------

class PlantedPlugin:
    """A plugin with one route nobody declared, as a new plugin brings."""

    @hookimpl
    def register_blueprints(self) -> list[Blueprint]:
        blueprint = Blueprint("planted", __name__, url_prefix="/planted")
        blueprint.add_url_rule("/notes/<int:note_id>", "note", lambda note_id: "", methods=["POST"])
        return [blueprint]


class CarelessPlugin:
    """Routes that get it wrong: one shows any exchange's subject to anyone signed in, one renames an
    exchange before refusing."""

    @hookimpl
    def register_blueprints(self) -> list[Blueprint]:
        from kernel import api_login_required
        from kernel.models import Exchange

        blueprint = Blueprint("careless", __name__, url_prefix="/careless")

        @blueprint.get("/<int:exchange_id>")
        @api_login_required
        def peek(exchange_id: int) -> Any:
            return {"subject": Exchange.get_by_id(exchange_id).subject}

        @blueprint.post("/<int:exchange_id>")
        @api_login_required
        def rename(exchange_id: int) -> Any:
            Exchange.update(subject="Renommé").where(Exchange.id == exchange_id).execute()
            return {"errors": {"_schema": ["Introuvable."]}}, 404

        return [blueprint]


def test_a_cell_fails_on_a_wrong_status_a_leak_or_a_change_before_a_refusal(tmp_path):
    apps = TestApps(tmp_path)
    try:
        world = build_world(apps.build(["*builtin", ("careless", CarelessPlugin())], mail_domains=[DOMAIN]))
        rules = rules_by_endpoint(world.app)
        cases = [("careless.peek", members_only(200, url=shared_chat), "200, declared 404"),
                 ("careless.peek", members_only(200, non_member=200, url=shared_chat), "private subject"),
                 ("careless.rename", signed_in(404, url=fresh_chat), "changed rows")]
        for endpoint, declared, failure in cases:
            with pytest.raises(AssertionError, match=failure):
                check(world, rules[endpoint], declared, "non_member", "token")
            check(world, rules[endpoint], declared, "anonymous", "session")  # refused before anything: 401
    finally:
        apps.close()


def test_a_new_plugin_s_route_is_undeclared_until_declared(tmp_path):
    apps = TestApps(tmp_path)
    try:
        app = apps.build(["*builtin", ("planted", PlantedPlugin())])
        missing = undeclared(app, ROUTES)
        assert [r.endpoint for r in missing] == ["planted.note"]
        assert ('"planted.note": members_only(200, url=...),  # POST /planted/notes/<int:note_id>'
                in how_to_declare(missing))
    finally:
        apps.close()


# --- cookie writes need their CSRF token ----------------------------------------------------------------------

def test_a_cookie_without_its_csrf_token_changes_nothing(world):
    """Every write asked with the member's own session from another site's page (the cookie rides along,
    the CSRF token does not) is refused before anything: 400."""
    rules = rules_by_endpoint(world.app)
    accepted = {}
    for endpoint, declared in ROUTES.items():
        if not isinstance(declared, Expect) or "session" not in declared.auth:
            continue
        if method_of(rules[endpoint]) in ("GET", "HEAD", "OPTIONS"):
            continue
        response = ask(world, rules[endpoint], declared, "member", "session", csrf=False)
        if response.status_code != 400:
            accepted[endpoint] = response.status_code
    assert not accepted
    assert len([e for e in ROUTES if method_of(rules[e]) not in ("GET", "HEAD")]) >= 15


# --- the websocket --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def live(world):
    with LiveServer(world.app) as url:
        yield url


def _socket_cells():
    declared = ROUTES["live_events"]
    assert isinstance(declared, Socket)
    for role in ROLES:
        for auth in AUTHS:
            reason = declared.bugs.get(f"{role}:{auth}") or declared.bugs.get(role)
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(role, auth, marks=marks, id=f"live_events-{role}-{auth}")


def _open(world: World, live: str, creds: Any, auth: str) -> Any:
    return connect(live, creds, auth, world.app.config["SESSION_COOKIE_NAME"])


@pytest.mark.parametrize("role, auth", list(_socket_cells()))
def test_socket_cell(world, live, role, auth):
    expected = getattr(ROUTES["live_events"], role)
    creds = world.stale.get(role) or world.credentials(role)
    ws = _open(world, live, creds, auth)
    witness = _open(world, live, world.credentials("member"), "token")
    try:
        next_event(witness, "hello")
        if expected == "refused":
            assert is_refused(ws)
            return
        assert next_event(ws, "hello")["account_id"] == world.accounts[role].id
        post_in_shared_exchange(world)
        assert heard(ws, world.exchange_id, witness) == (expected == "receives")
    finally:
        close(ws, witness)


# Sockets opened while their owner had the right, which then ends (issue #10 item 1): role -> known bug.
SOCKET_AFTER_LOSS: dict[str, str] = {}


@pytest.mark.parametrize("role, auth", [
    pytest.param(role, auth, id=f"{role}-{auth}",
                 marks=[pytest.mark.xfail(strict=True, reason=SOCKET_AFTER_LOSS[role])] if role in SOCKET_AFTER_LOSS
                 else [])
    for role in ("withdrawn", "deactivated") for auth in AUTHS])
def test_a_socket_stops_hearing_when_its_owner_loses_the_right(world, live, role, auth):
    creds, lose = losing_rights(world, role)
    ws = _open(world, live, creds, auth)
    witness = _open(world, live, world.credentials("member"), "token")
    try:
        next_event(witness, "hello")
        next_event(ws, "hello")
        post_in_shared_exchange(world)
        assert heard(ws, world.exchange_id, witness), "while the right holds, the socket hears the exchange"
        lose()
        post_in_shared_exchange(world)
        assert not heard(ws, world.exchange_id, witness)
    finally:
        close(ws, witness)
