"""The web shell as a plugin: registered by the app factory (kernel.app.DEFAULT_PLUGINS), it brings its pages
through ``register_blueprints``; its templates/ and static/ are found like any plugin's folder."""
from __future__ import annotations

from typing import Any

from flask import url_for

from kernel import hookimpl
from kernel.ui import MenuLink

from .pwa import pwa
from .admin import admin_pages, password_link
from .admin_audit import admin_audit
from .delegations import delegation_pages
from .views import shell


@hookimpl
def register_blueprints() -> list[Any]:
    return [shell, pwa, admin_pages, password_link, admin_audit, delegation_pages]


@hookimpl
def menu_links(account: Any) -> list[MenuLink]:
    # First in the top bar: a professional's day starts from a patient as often as from a message.
    return [MenuLink("shell_patients", "Mes patients", url_for("shell.patients"), order=5),
            # Administrators and directory managers (accounts, structures).
            MenuLink("shell_admin", "Administration", url_for("admin.accounts"), admin=True, managers=True, order=90),
            # Administrators only: the audit trail, who consulted a patient's exchanges, the patient-data export.
            MenuLink("shell_admin_audit", "Journal d’audit", url_for("admin_audit.journal"), admin=True, order=91)]
