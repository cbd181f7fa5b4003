"""The "+" send panel's content: the app's enabled channels, grouped: the platform's own channels (under its
configured name, ``platform_name``), MSSanté, Mon Espace Santé."""
from __future__ import annotations

from dataclasses import dataclass

from kernel.api.channels import ordered_channels
from kernel.channel import GROUP_MONSISRA, GROUPS, Channel

from .branding import platform_name


@dataclass(frozen=True)
class PanelGroup:
    name: str  # the group's identifier (``Channel.group``)
    label: str  # what users read
    channels: tuple[Channel, ...]


def group_label(group: str) -> str:
    """The group's name for users. ``GROUP_MONSISRA`` is the identifier of the platform's own channels, kept
    for plugins and the API; users read the platform's configured name there, not another product's."""
    if group == GROUP_MONSISRA:
        return platform_name()
    return group


def send_panel() -> list[PanelGroup]:
    """Groups in their fixed order, each with its channels in their declared order; empty groups left out."""
    channels = ordered_channels()
    groups = [PanelGroup(g, group_label(g), tuple(c for c in channels if c.group == g)) for g in GROUPS]
    return [g for g in groups if g.channels]
