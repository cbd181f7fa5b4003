"""The authorisation matrix's vocabulary: what a route declares (``Expect``, ``Socket``), and how one cell runs.

A cell is one route asked by one role with one kind of authentication (a bearer token, or a session
cookie with its CSRF token). Its answer must have the declared status and, for a role not entitled to
the world's private things, must not contain any of their words.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping

from flask import Flask, url_for
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from kernel.models import (Attachment, Delegation, Exchange, Identity, Membership, Message, MessageAttachment,
                           OpenedMark, Patient, PatientUse, ReadReceipt)
from security.matrix_world import ENTITLED, ROLES, SECRETS, World

Status = int | Mapping[str, int]  # one status, or one per kind of authentication ({"token": 401, "session": 200})
Factory = Callable[[World, str], Mapping[str, Any]]  # (world, role) -> URL values, or request keyword arguments
AUTHS = ("token", "session")
IGNORED_METHODS = {"HEAD", "OPTIONS"}
# What a refused or invalid request must leave as it was (the audit trail and sign-in records may grow).
WATCHED = (Exchange, Membership, Message, MessageAttachment, Attachment, ReadReceipt, OpenedMark, Patient, PatientUse,
           Identity, Delegation)


@dataclass(frozen=True)
class Expect:
    """The expected status of one route for every role, and how to ask it.

    :param url: the URL's values (its arguments; any other key becomes the query string).
    :param body: the request's keyword arguments for the test client (``json=...``, ``data=...``). A write
        needs no valid body when the authorisation answer comes first: a refused role gets its 401/403/404,
        an allowed one the 422 of its empty draft.
    :param auth: the kinds of authentication the route is asked with.
    :param page: a page for people, asked as a browser asks it (``Accept: text/html``).
    :param bugs: role (or ``"role:auth"``) -> why the declared answer is not given today: the cell is
        expected to fail (strict xfail), and passes the day the bug is fixed (then remove the entry).
    """

    anonymous: Status
    member: Status
    non_member: Status
    delegate: Status
    withdrawn: Status
    deactivated: Status
    admin: Status
    url: Factory | None = None
    body: Factory | None = None
    auth: tuple[str, ...] = AUTHS
    page: bool = False
    bugs: Mapping[str, str] = field(default_factory=dict)

    def status(self, role: str, auth: str) -> int:
        declared = getattr(self, role)
        return declared if isinstance(declared, int) else declared[auth]

    def bug(self, role: str, auth: str) -> str | None:
        return self.bugs.get(f"{role}:{auth}") or self.bugs.get(role)


@dataclass(frozen=True)
class Socket:
    """A websocket route, tested on a live server: per role, ``refused`` (closed before any event),
    ``receives`` (the shared exchange's live events) or ``silent`` (open, but none of them)."""

    anonymous: str
    member: str
    non_member: str
    delegate: str
    withdrawn: str
    deactivated: str
    admin: str
    bugs: Mapping[str, str] = field(default_factory=dict)


Declaration = Expect | Socket


# --- the usual shapes of a route ----------------------------------------------------------------------------

def members_only(ok: Status, **more: Any) -> Expect:
    """A JSON route about one exchange (or what it holds): its member and the delegates of a member
    structure get ``ok``; anyone else signed in a 404, as if it did not exist."""
    return _shape(dict(anonymous=401, member=ok, non_member=404, delegate=ok, withdrawn=404, deactivated=401,
                       admin=404), more)


def signed_in(ok: Status, **more: Any) -> Expect:
    """A JSON route every signed-in account may call (what it answers is the account's own)."""
    return _shape(dict(anonymous=401, member=ok, non_member=ok, delegate=ok, withdrawn=ok, deactivated=401,
                       admin=ok), more)


def admins_only(ok: Status, **more: Any) -> Expect:
    """A JSON route of the platform's administrators: 403 for other accounts."""
    return _shape(dict(anonymous=401, member=403, non_member=403, delegate=403, withdrawn=403, deactivated=401,
                       admin=ok), more)


def page(ok: Status, *, others: Status | None = None, **more: Any) -> Expect:
    """A page for people (session only): visitors signed out go to the login page (302); ``others``:
    what the signed-in roles not entitled to the world's private things get (default: ``ok``)."""
    others = ok if others is None else others
    return _shape(dict(anonymous=302, member=ok, non_member=others, delegate=ok, withdrawn=others, deactivated=302,
                       admin=others, auth=("session",), page=True), more)


def public(ok: Status, **more: Any) -> Expect:
    """Open to anyone, signed in or not."""
    return _shape({role: ok for role in ROLES}, more)


def _shape(defaults: dict[str, Any], more: dict[str, Any]) -> Expect:
    return Expect(**{**defaults, **more})


# --- URL values of the world's things -------------------------------------------------------------------------

def shared_chat(world: World, role: str) -> dict[str, Any]:
    return {"exchange_id": world.exchange_id}


def fresh_chat(world: World, role: str) -> dict[str, Any]:
    return {"exchange_id": world.fresh_chat()}


def shared_mail(world: World, role: str) -> dict[str, Any]:
    return {"exchange_id": world.mail_id}


def fresh_mail(world: World, role: str) -> dict[str, Any]:
    return {"exchange_id": world.fresh_mail()}


def attachment(world: World, role: str) -> dict[str, Any]:
    return {"attachment_id": world.attachment_id}


def patient(world: World, role: str) -> dict[str, Any]:
    return {"patient_id": world.patient.id}


def held_mail(world: World, role: str) -> dict[str, Any]:
    return {"held_id": world.fresh_held_mail()}


def values(**fixed: Any) -> Factory:
    """Fixed URL values or request arguments."""
    return lambda world, role: dict(fixed)


def json(payload: Any) -> Factory:
    """A JSON body (the same for every role)."""
    return lambda world, role: {"json": payload}


# --- running a cell ---------------------------------------------------------------------------------------------

def rules_by_endpoint(app: Flask) -> dict[str, Rule]:
    return {rule.endpoint: rule for rule in app.url_map.iter_rules()}


def _methods(rule: Rule) -> list[str]:
    return sorted(set(rule.methods or ()) - IGNORED_METHODS)


def method_of(rule: Rule) -> str:
    """The one method of a route: a declaration says what one request gets (give a second method its own
    endpoint)."""
    methods = _methods(rule)
    assert len(methods) == 1, f"{rule.endpoint} ({rule.rule}) takes {methods}: one method per endpoint"
    return methods[0]


def undeclared(app: Flask, routes: Mapping[str, Declaration]) -> list[Rule]:
    """Every route of the app (kernel, shell, plugins) without a declaration."""
    return sorted((r for r in app.url_map.iter_rules() if r.endpoint not in routes), key=lambda r: r.rule)


def how_to_declare(rules: list[Rule]) -> str:
    lines = [f'    "{r.endpoint}": members_only(200, url=...),  # {"/".join(_methods(r))} {r.rule}' for r in rules]
    return ("Routes without a declaration in tests/security/test_authorisation_matrix.py (ROUTES): declare what "
            "each role gets (members_only, signed_in, admins_only, page, public, or Expect(...) for anything "
            "else; Socket(...) for a websocket), and how to fill the URL (url=...) and the body of a write "
            "(body=...). See docs/security.md, \"The authorisation matrix\".\n" + "\n".join(lines))


def cells(routes: Mapping[str, Declaration]) -> Iterator[tuple[str, str, str, str | None]]:
    """(endpoint, role, auth, known bug) for every HTTP cell of the matrix."""
    for endpoint, declared in routes.items():
        if isinstance(declared, Socket):
            continue
        for role in ROLES:
            for auth in declared.auth:
                yield endpoint, role, auth, declared.bug(role, auth)


def ask(world: World, rule: Rule, declared: Expect, role: str, auth: str, csrf: bool = True) -> TestResponse:
    return Request.of(world, rule, declared, role, auth, csrf).send()


@dataclass
class Request:
    """A cell's request, ready to send: its URL, body and credentials made first (they write rows of their own)."""

    client: Any
    url: str
    method: str
    url_values: dict[str, Any]
    arguments: dict[str, Any]
    headers: dict[str, str]

    @classmethod
    def of(cls, world: World, rule: Rule, declared: Expect, role: str, auth: str, csrf: bool = True) -> "Request":
        url_values = dict(declared.url(world, role)) if declared.url else {}
        arguments = dict(declared.body(world, role)) if declared.body else {}
        with world.app.test_request_context():
            url = url_for(rule.endpoint, **url_values)
        client = world.client(role, auth)
        if not csrf:
            client.environ_base.pop("HTTP_X_CSRFTOKEN", None)
        headers = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"} if declared.page else {}
        return cls(client, url, method_of(rule), url_values, arguments, headers)

    def send(self) -> TestResponse:
        return self.client.open(self.url, method=self.method, headers=self.headers, **self.arguments)


def footprint(world: World, exchange_id: Any = None) -> tuple:
    """Row counts of the watched tables, and the state of the exchange a request acts on."""
    with world.app.app_context():
        counts = tuple(model.select().count() for model in WATCHED)
        target = (Exchange.select(Exchange.subject, Exchange.status, Exchange.patient)
                  .where(Exchange.id == exchange_id).tuples().first()) if exchange_id else None
    return counts, target


def leaked(response: TestResponse) -> list[str]:
    """The world's private words found in a response (its body and headers)."""
    text = (response.get_data(as_text=True) + str(response.headers)).lower()
    return [name for name, word in SECRETS.items() if word.lower() in text]


def check(world: World, rule: Rule, declared: Expect, role: str, auth: str) -> None:
    """The cell's answer has the declared status; a refusal or an error changed nothing; a role entitled
    to nothing of the world reads none of its words."""
    request = Request.of(world, rule, declared, role, auth)
    exchange_id = request.url_values.get("exchange_id")
    before = footprint(world, exchange_id)
    response = request.send()
    expected = declared.status(role, auth)
    body = response.get_data(as_text=True)[:300]
    where = f"{rule.endpoint} ({method_of(rule)} {rule.rule}) as {role} with a {auth}"
    assert response.status_code == expected, f"{where}: {response.status_code}, declared {expected}. Answer: {body}"
    assert response.status_code < 500
    if response.status_code >= 400:
        assert footprint(world, exchange_id) == before, f"{where}: refused ({response.status_code}) but changed rows"
    if role not in ENTITLED:
        found = leaked(response)
        assert not found, f"{where} answers {response.status_code} with the world's private {', '.join(found)}: {body}"
