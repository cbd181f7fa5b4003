"""Flask's signed session cookie, with its signing serializer built once rather than on every request.

Flask's ``SecureCookieSessionInterface`` builds an itsdangerous serializer (keys, salt, signer settings) each
time a request context is pushed, cookie or not: measured, a tenth of a millisecond of every API call on an
idle server. The serializer holds no state between calls, so one per secret key is enough; a change of
``SECRET_KEY`` or its fallbacks builds a new one.
"""
from __future__ import annotations

from typing import Any

from flask import Flask
from flask.sessions import SecureCookieSessionInterface


class CookieSessions(SecureCookieSessionInterface):
    def __init__(self) -> None:
        self._built: tuple[tuple, Any] | None = None  # (the keys it was built with, the serializer)

    def get_signing_serializer(self, app: Flask) -> Any:
        keys = (app.secret_key, *(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        built = self._built
        if built is None or built[0] != keys:
            built = self._built = (keys, super().get_signing_serializer(app))
        return built[1]
