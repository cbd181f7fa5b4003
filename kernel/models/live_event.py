"""Live events too large for a PostgreSQL NOTIFY payload, read back by the other instances."""
from __future__ import annotations

import peewee as pw

from ..db import BaseModel, utcnow


class LiveEvent(BaseModel):
    # The event as Event.to_json() wrote it; kept minutes, not days (kernel.purge_live_events).
    payload = pw.TextField()
    created_at = pw.DateTimeField(default=utcnow, index=True)
