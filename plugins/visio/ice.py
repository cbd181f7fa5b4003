"""The ICE servers a participant's browser uses: STUN and TURN from the settings, TURN credentials made per
call when a shared secret is set (coturn's ``use-auth-secret``, the "TURN REST API" draft)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any

from .settings import VisioSettings


def turn_credentials(secret: str, account_id: int, ttl_seconds: int, now: float | None = None) -> tuple[str, str]:
    """``("<expiry>:<account id>", base64(HMAC-SHA1(secret, username)))``: coturn recomputes the HMAC with the
    same ``static-auth-secret`` and refuses the username once its expiry (a Unix time) has passed."""
    expiry = int(now if now is not None else time.time()) + ttl_seconds
    username = f"{expiry}:{account_id}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode("ascii")


def ice_servers(settings: VisioSettings, account_id: int) -> list[dict[str, Any]]:
    """``RTCPeerConnection``'s ``iceServers``; empty on a network where host candidates are enough (tests)."""
    servers: list[dict[str, Any]] = []
    if settings.stun_urls:
        servers.append({"urls": settings.stun_urls})
    if settings.turn_urls:
        if settings.turn_secret:
            username, credential = turn_credentials(settings.turn_secret, account_id, settings.turn_ttl_seconds)
        else:
            username, credential = settings.turn_username, settings.turn_password
        servers.append({"urls": settings.turn_urls, "username": username, "credential": credential})
    return servers
