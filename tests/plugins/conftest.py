"""The built-in plugins' tests use the testing kit plugin authors get (kernel.testing), on both databases."""
from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def relais_settings(relais_settings, database_settings) -> dict[str, Any]:
    """The kit's settings (the ``relais`` marker's), on SQLite and on PostgreSQL (``backend`` fixture)."""
    return {**relais_settings, **database_settings}
