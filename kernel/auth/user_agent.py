"""A short French summary of a browser's User-Agent ("Firefox sous Windows"), shown in « Sessions et accès»."""
from __future__ import annotations

import re

# Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari".
_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
             ("Chromium/", "Chromium"), ("Safari/", "Safari"))
_SYSTEMS = (("Windows", "Windows"), ("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iPadOS"),
            ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"))
_PRINTABLE = re.compile(r"[^\x20-\x7e]")


def summarise(user_agent: str | None) -> str:
    """Browser and system when recognised; otherwise the start of the raw string (printable ASCII only)."""
    text = user_agent or ""
    browser = next((name for token, name in _BROWSERS if token in text), None)
    system = next((name for token, name in _SYSTEMS if token in text), None)
    if browser and system:
        return f"{browser} sous {system}"
    if browser or system:
        return browser or f"Navigateur sous {system}"
    return _PRINTABLE.sub("", text)[:60] or "Navigateur inconnu"
