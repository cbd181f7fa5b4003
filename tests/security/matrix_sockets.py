"""The matrix's websocket cells: who may open ``/ws``, and who hears the shared exchange's live events.

Sockets run on a real server around the matrix's app. An event is made by the member posting in the shared
exchange; a witness socket of the member hears it first, so a socket that has heard nothing by then never will.
"""
from __future__ import annotations

import json
import time
from typing import Any, Callable

import simple_websocket

from kernel.db import utcnow
from kernel.models import Account, Delegation
from kernel.testing import connect_socket, make_account, next_event
from security.matrix_world import Credentials, World, join

QUIET_SECONDS = 0.3  # after the witness heard the event: others had all the time a fan-out takes


def connect(base_url: str, creds: Credentials, auth: str, cookie_name: str) -> Any | None:
    """A socket as a program (bearer token) or as a page of the site (its cookie, its own Origin) opens it;
    None when it is refused at the handshake (an invalid token is a 401) or closed at once."""
    headers: dict[str, str] = {}
    if auth == "token" and creds.token:
        headers["Authorization"] = f"Bearer {creds.token}"
    if auth == "session":
        headers["Origin"] = base_url
        if creds.cookie:
            headers["Cookie"] = f"{cookie_name}={creds.cookie}"
    try:
        return connect_socket(base_url.replace("http://", "ws://", 1) + "/ws", headers)
    except simple_websocket.ConnectionError:
        return None


def close(*sockets: Any) -> None:
    for ws in sockets:
        if ws is None:
            continue
        try:
            ws.close()
        except simple_websocket.ConnectionClosed:  # the server closed it first
            pass


def is_refused(ws: Any) -> bool:
    """Refused at the handshake, or closed without a hello (the server closes a socket it refuses at once)."""
    if ws is None:
        return True
    try:
        raw = ws.receive(timeout=5)
    except simple_websocket.ConnectionClosed:
        return True
    return raw is None or json.loads(raw).get("type") != "hello"


def post_in_shared_exchange(world: World) -> None:
    member = world.client("member", "token")
    response = member.post(f"/api/v1/exchanges/{world.exchange_id}/messages", json={"body": "En direct."})
    assert response.status_code == 201, response.json


def heard(ws: Any, exchange_id: int, witness: Any) -> bool:
    """Whether ``ws`` receives the shared exchange's event, once the ``witness`` socket has received it.
    A socket the server closed hears nothing."""
    next_event(witness, "message.created")
    deadline = time.monotonic() + QUIET_SECONDS
    try:
        while (left := deadline - time.monotonic()) > 0:
            raw = ws.receive(timeout=left)
            if raw is not None and json.loads(raw).get("exchange_id") == exchange_id:
                return True
    except simple_websocket.ConnectionClosed:
        return False
    return False


def losing_rights(world: World, role: str) -> tuple[Credentials, Callable[[], None]]:
    """A new account with the rights ``role`` has lost, its credentials issued now, and how it loses them:
    the withdrawn delegate's delegation ends; the deactivated account (a member of the shared exchange and
    a delegate of its member structure, as the world's) is deactivated. Written in the database directly,
    as another instance or an import would: the socket must follow the rights, not one code path."""
    with world.app.app_context():
        account = make_account(None, "Tardif", role.capitalize())
        Delegation.create(delegate=account, principal=world.structure)
        if role == "deactivated":
            join(world.exchange_id, account)
    creds = world.sign_in(account)

    def lose() -> None:
        with world.app.app_context():
            if role == "withdrawn":
                Delegation.update(revoked_at=utcnow()).where(Delegation.delegate == account.id).execute()
            else:
                Account.update(active=False).where(Account.id == account.id).execute()
    return creds, lose
