"""A call's Jitsi Meet room: its name made from the call's unguessable key, and the participant's own link,
signed with a JWT when the Jitsi server checks tokens (Prosody's ``token`` authentication, HS256)."""
from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

import jwt

from kernel.models import Account

from .settings import JitsiSettings

ROOM_PREFIX = "relais-"


def room_name(call_key: str) -> str:
    # The key is 128 random bits in hexadecimal: lower-case letters and digits, which Jitsi keeps as they are.
    return ROOM_PREFIX + "".join(c for c in call_key.lower() if c.isalnum())


def room_token(settings: JitsiSettings, room: str, account: Account, now: float | None = None) -> str:
    """The claims Jitsi's token authentication reads: ``aud`` (the app's audience), ``iss`` (the app id),
    ``sub`` (the server's domain), ``room``, ``exp``, and ``context.user`` (who is shown in the room)."""
    issued = int(now if now is not None else time.time())
    claims: dict[str, Any] = {
        "aud": settings.audience, "iss": settings.app_id, "sub": settings.subject, "room": room,
        "iat": issued, "nbf": issued - 30, "exp": issued + settings.token_ttl_seconds,
        "context": {"user": {"id": str(account.id), "name": account.full_name}},
    }
    return jwt.encode(claims, settings.app_secret, algorithm="HS256")


def room_url(settings: JitsiSettings, call_key: str, account: Account) -> str:
    room = room_name(call_key)
    url = f"{settings.base_url}/{room}"
    if settings.signs_tokens:
        url += f"?jwt={room_token(settings, room, account)}"
    # Jitsi reads its options from the fragment: the participant's name, never sent to the server in the URL.
    return url + f'#userInfo.displayName="{quote(account.full_name)}"'
