"""The "+" send panel's content: the app's enabled channels, grouped MonSisra / MSSanté / Mon Espace Santé."""
from __future__ import annotations

from dataclasses import dataclass

from kernel.api.channels import ordered_channels
from kernel.channel import GROUPS, Channel


@dataclass(frozen=True)
class PanelGroup:
    name: str
    channels: tuple[Channel, ...]


def send_panel() -> list[PanelGroup]:
    """Groups in their fixed order, each with its channels in their declared order; empty groups left out."""
    channels = ordered_channels()
    groups = [PanelGroup(g, tuple(c for c in channels if c.group == g)) for g in GROUPS]
    return [g for g in groups if g.channels]
