"""The web shell as a plugin: registered by the app factory (kernel.app.DEFAULT_PLUGINS), it brings its pages
through ``register_blueprints``; its templates/ and static/ are found like any plugin's folder."""
from __future__ import annotations

from typing import Any

from kernel import hookimpl

from .views import shell


@hookimpl
def register_blueprints() -> list[Any]:
    return [shell]
