"""Where a video call takes place when an outside video service, brought by a plugin, hosts it."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class VideoRoom:
    """A call's room on an outside video service, for one participant.

    :param provider: the short name of the service (the plugin's name), shown to deployers and stored.
    :param url: the address that participant opens (it may carry their own token: never show it to another).
    :param label: what the page calls the service, in French (« Ma visio régionale »).
    """

    provider: str
    url: str
    label: str = ""
