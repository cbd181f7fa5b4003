"""JSON for the API: timestamps in ISO 8601 UTC (``Z``), dates in ISO, accents kept."""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask.json.provider import DefaultJSONProvider


def iso_utc(value: dt.datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value.isoformat(timespec="milliseconds") + "Z"


class RelaisJSONProvider(DefaultJSONProvider):
    ensure_ascii = False
    sort_keys = False

    @staticmethod
    def default(o: Any) -> Any:
        if isinstance(o, dt.datetime):
            return iso_utc(o)
        if isinstance(o, dt.date):
            return o.isoformat()
        return DefaultJSONProvider.default(o)
