"""marshmallow schemas: the one description of every payload (API, forms, OpenAPI)."""
from __future__ import annotations

import functools
from typing import Any


@functools.cache
def shared(schema_class: type) -> Any:
    """One instance of a schema for every call on a hot path. Building a schema deep-copies its fields,
    which costs more than a dump or a load; neither keeps per-call state in the instance."""
    return schema_class()
