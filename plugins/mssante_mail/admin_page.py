"""The administrators' page « Mails non distribués » (/admin/mails-non-distribues), in the shell's layout.

The page is a thin shell like the others: web/static/js/undelivered.js lists and settles held mail through
the JSON routes of admin.py. People who are not administrators get a French 403 page, anonymous visitors
the login page.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from kernel import current_account
from web.send_panel import send_panel
from web.views import login_required

blueprint = Blueprint("mssante_mail_pages", __name__, template_folder="templates")
FORBIDDEN_TITLE = "Accès réservé"
FORBIDDEN = ("Cette page est réservée aux administrateurs de la plateforme. Si vous devez traiter les mails "
             "non distribués, demandez à un administrateur de vous en donner l'accès.")


@blueprint.context_processor
def _layout() -> dict[str, Any]:
    # The shell's own context processor serves its blueprint only: base.html needs the same here.
    return {"account": current_account(), "send_panel": send_panel}


@blueprint.get("/admin/mails-non-distribues")
@login_required
def undelivered() -> Any:
    if not current_account().is_admin:
        return render_template("404.html", title=FORBIDDEN_TITLE, message=FORBIDDEN), 403
    return render_template("mssante_mail/undelivered.html")
