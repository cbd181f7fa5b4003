"""marshmallow schemas: the one description of every payload (API, forms, OpenAPI).

Public for plugins: the French fields and helpers below (``from kernel import schemas as f``, then
``f.FrenchSchema``, ``f.String(validate=f.length(200))``...), whose error messages are French.
"""
from __future__ import annotations

import functools
from typing import Any

from .french import (Boolean, Date, DateTime, Dict, Email, FrenchSchema, Integer, Line, List, Nested, String,
                     UtcDateTime, length, not_blank, one_of, plain_number)

__all__ = ["shared", "FrenchSchema", "String", "Line", "Integer", "Boolean", "Date", "DateTime", "UtcDateTime", "List",
           "Dict", "Nested", "Email", "length", "one_of", "not_blank", "plain_number"]


@functools.cache
def shared(schema_class: type) -> Any:
    """One instance of a schema for every call on a hot path. Building a schema deep-copies its fields,
    which costs more than a dump or a load; neither keeps per-call state in the instance."""
    return schema_class()
