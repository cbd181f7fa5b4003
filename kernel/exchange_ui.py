"""What plugins add to a thread page: actions (buttons) and panels (banners, pinned notes)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ExchangeAction:
    """A button on an exchange. The page calls ``method url`` with the CSRF token, then reloads or follows."""

    name: str
    label: str
    url: str
    method: str = "POST"
    icon: str = ""
    confirm: str = ""
    order: int = 100
    # A question asked before running (a refusal's reason): the page shows a text box and sends
    # {"reason": text}; the route answers 422 with a French message at "reason" when it is wrong.
    prompt: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "label": self.label, "url": self.url, "method": self.method,
                "icon": self.icon, "confirm": self.confirm, "prompt": self.prompt}


@dataclass(frozen=True)
class ExchangePanel:
    """A block shown above a thread: a status banner, the expert's prerequisites..."""

    name: str
    title: str
    text: str = ""
    level: str = "info"  # info, success, warning, danger
    action: ExchangeAction | None = None
    order: int = 100
    data: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title, "text": self.text, "level": self.level,
                "action": self.action.as_json() if self.action else None, "data": dict(self.data)}
