"""The administration's audit pages: « Journal d'audit » (search and CSV export) and « Qui a consulté ? » (who
opened a patient's exchanges, and the PDF of the patient's data for a right-of-access request).

Thin like the rest of the shell: js/admin_audit.js draws them from /api/v1/admin/... (kernel/api/admin_audit.py),
which checks every filter with the marshmallow schema and puts each error at its field. Administrators only:
signed-out visitors go to the login page, other accounts get a French 403 page.
"""
from __future__ import annotations

from functools import wraps
from typing import Any, Callable

from flask import Blueprint, redirect, render_template, request, url_for

from kernel.auth import current_account

admin_audit = Blueprint("admin_audit", __name__)
FORBIDDEN = ("Cette page est réservée aux administrateurs de la plateforme. Si vous devez consulter le journal "
             "d’audit, demandez à un administrateur de vous en donner l’accès.")


def administrators_page(view: Callable) -> Callable:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        account = current_account()
        if account is None:
            return redirect(url_for("shell.login", next=request.full_path.rstrip("?")))
        if not account.is_admin:
            return render_template("404.html", page="error", title="Accès réservé", message=FORBIDDEN), 403
        return view(*args, **kwargs)
    return wrapper


@admin_audit.get("/admin/journal")
@administrators_page
def journal() -> Any:
    return render_template("admin_audit/journal.html", page="admin_audit.journal", section="audit")


@admin_audit.get("/admin/qui-a-consulte")
@administrators_page
def consultations() -> Any:
    return render_template("admin_audit/consultations.html", page="admin_audit.consultations", section="consultations")
