"""Where a video call takes place when a plugin other than the built-in WebRTC mesh hosts it (a Jitsi room)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class VideoRoom:
    """A call's room on an outside video service, for one participant.

    :param provider: the plugin's short name for the service (``"jitsi"``), shown to deployers and stored.
    :param url: the address that participant opens (it may carry their own token: never show it to another).
    :param label: what the page calls the service (« Jitsi Meet »), in French.
    """

    provider: str
    url: str
    label: str = ""
