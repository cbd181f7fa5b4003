"""What plugins add to the administration's structure page (hook ``structure_admin_sections``)."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from .plugin_calls import call_each
from .relais import current_relais

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StructureSection:
    """A block of the structure's administration page: a title, a few lines of plain text, and links to the
    plugin's own pages for that structure (``(label, url)`` pairs). ``name`` becomes the block's element id
    (prefix it with your plugin's name)."""

    name: str
    title: str
    text: str = ""
    links: tuple[tuple[str, str], ...] = ()
    order: int = 100

    def __post_init__(self) -> None:
        if isinstance(self.links, list):
            object.__setattr__(self, "links", tuple(tuple(link) for link in self.links))


def structure_sections(structure: Any, account: Any) -> list[StructureSection]:
    """Every plugin's blocks for the structure's page, by ``order``; a plugin that fails is logged and skipped
    (call_each), one that answers something else than StructureSection too."""
    found = []
    for plugin, answer in call_each(current_relais().pm, "structure_admin_sections", structure=structure,
                                    account=account):
        for section in answer or []:
            if isinstance(section, StructureSection):
                found.append(section)
            else:
                log.error("plugin %s: structure_admin_sections returned %r, not a StructureSection", plugin, section)
    return sorted(found, key=lambda s: s.order)
