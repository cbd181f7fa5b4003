"""The jitsi plugin's hooks: it hosts the visio's calls in Jitsi Meet rooms once ``base_url`` is set."""
from __future__ import annotations

from kernel import VideoRoom, hookimpl
from kernel.models import Account, Exchange

from .rooms import room_url
from .settings import NAME, jitsi_settings


@hookimpl
def video_room(exchange: Exchange, call_key: str, account: Account) -> VideoRoom | None:
    settings = jitsi_settings()
    if not settings.base_url:
        return None  # enabled but not configured: the built-in mesh keeps hosting calls
    return VideoRoom(NAME, room_url(settings, call_key, account), settings.label)
