"""JSON for the API: timestamps in ISO 8601 UTC (``Z``), dates in ISO, accents kept; bodies read with bounds."""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

from flask.json.provider import DefaultJSONProvider

from .plain_text import has_lone_surrogate

# No payload of the API nests beyond a few levels: deeper is refused before anything walks it recursively
# (marshmallow, the database driver, jsonify of the errors).
MAX_DEPTH = 32


class JsonRefused(ValueError):
    """A body that parses but cannot be taken: ``field`` (top-level key, or "_schema") and a French ``message``.
    A ValueError, so Flask's ``get_json`` treats it as any malformed body (400), never as a crash."""

    def __init__(self, message: str, field: str = "_schema") -> None:
        super().__init__(message)
        self.message, self.field = message, field


def iso_utc(value: dt.datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value.isoformat(timespec="milliseconds") + "Z"


def checked(data: Any) -> Any:
    """``data`` if it nests at most MAX_DEPTH levels and holds no lone surrogate (keys included); else
    JsonRefused naming the top-level field it was found under. Walked without recursion."""
    stack: list[tuple[Any, int, str]] = [(data, 0, "_schema")]
    while stack:
        value, depth, field = stack.pop()
        if depth > MAX_DEPTH:
            raise JsonRefused("Le contenu est trop imbriqué.", field)
        if isinstance(value, str):
            if has_lone_surrogate(value):
                raise JsonRefused("Le texte contient un caractère invalide (code isolé).", field)
        elif isinstance(value, dict):
            for key, item in value.items():
                if has_lone_surrogate(key):
                    raise JsonRefused("Un nom de champ contient un caractère invalide.", "_schema")
                stack.append((item, depth + 1, key if depth == 0 else field))
        elif isinstance(value, list):
            stack.extend((item, depth + 1, field) for item in value)
    return data


class RelaisJSONProvider(DefaultJSONProvider):
    ensure_ascii = False
    sort_keys = False

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            data = json.loads(s, **kwargs)
        except RecursionError:
            # "[[[[..." thousands deep exhausts the decoder's stack: a refusal, not a 500.
            raise JsonRefused("Le contenu est trop imbriqué.") from None
        return checked(data)

    @staticmethod
    def default(o: Any) -> Any:
        if isinstance(o, dt.datetime):
            return iso_utc(o)
        if isinstance(o, dt.date):
            return o.isoformat()
        return DefaultJSONProvider.default(o)
