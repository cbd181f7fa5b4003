"""The jitsi plugin's settings (``[plugin.jitsi]``), with their defaults: README.md lists them."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from kernel import current_relais

NAME = "jitsi"


@dataclass(frozen=True)
class JitsiSettings:
    base_url: str  # "https://visio.region.example": empty, the plugin hosts nothing (the built-in mesh does)
    app_id: str
    app_secret: str
    audience: str
    subject: str
    token_ttl_seconds: int
    label: str

    @property
    def signs_tokens(self) -> bool:
        return bool(self.app_id and self.app_secret)


def jitsi_settings() -> JitsiSettings:
    raw = current_relais().plugin_settings(NAME)
    base_url = str(raw.get("base_url") or "").rstrip("/")
    try:
        ttl = max(60, int(raw.get("token_ttl_seconds") or 4 * 3600))
    except (TypeError, ValueError):
        ttl = 4 * 3600
    return JitsiSettings(
        base_url=base_url,
        app_id=str(raw.get("app_id") or ""),
        app_secret=str(raw.get("app_secret") or ""),
        audience=str(raw.get("audience") or "jitsi"),
        # Prosody's token plugin compares "sub" with the server's domain (or a tenant); "*" accepts any.
        subject=str(raw.get("subject") or urlsplit(base_url).hostname or "*"),
        token_ttl_seconds=ttl,
        label=str(raw.get("label") or "Jitsi Meet"),
    )
