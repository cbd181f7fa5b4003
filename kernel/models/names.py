"""A column for names people read (display names, first and last names): stored as one line, without
bidirectional controls, whatever wrote it (an API, the command line, a directory import, a received mail)."""
from __future__ import annotations

from typing import Any

import peewee as pw

from ..plain_text import one_line


class NameField(pw.CharField):
    """A CharField whose stored value is ``one_line`` of what was given: a name never breaks a mail header nor
    shows reordered ("Dr [U+202E]reinroc" read as "Dr cornier")."""

    def db_value(self, value: Any) -> Any:
        return super().db_value(one_line(value) if isinstance(value, str) else value)
