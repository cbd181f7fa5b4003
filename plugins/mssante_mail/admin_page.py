"""The administrators' page « Mails non distribués » (/admin/mails-non-distribues), in the shell's layout.

The page is a thin shell like the others: static/js/undelivered.js (added by the page_assets hook for this
page's name) lists and settles held mail through the JSON routes of admin.py. People who are not
administrators get a French 403 page; anonymous visitors are sent to the login page (abort(401)).
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template

from kernel import current_account

blueprint = Blueprint("mssante_mail_pages", __name__)
PAGE = "mssante_mail.undelivered"  # the page's name for the page_assets hook
FORBIDDEN_TITLE = "Accès réservé"
FORBIDDEN = ("Cette page est réservée aux administrateurs de la plateforme. Si vous devez traiter les mails "
             "non distribués, demandez à un administrateur de vous en donner l'accès.")


@blueprint.get("/admin/mails-non-distribues")
def undelivered() -> Any:
    account = current_account()
    if account is None:
        abort(401)
    if not account.is_admin:
        return render_template("404.html", page="error", title=FORBIDDEN_TITLE, message=FORBIDDEN), 403
    return render_template("mssante_mail/undelivered.html", page=PAGE)
