"""The page a one-time password link opens: choose a password, once, signed out."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError

from kernel.auth import logout_session
from kernel.auth.password_reset import EXPIRED, LinkRefused, live_link, use_link
from kernel.schemas.accounts import MIN_PASSWORD_LENGTH, PasswordChoiceSchema

password_link = Blueprint("password_link", __name__)


def _form(secret: str, errors: dict[str, str], status: int, login: str = "") -> Any:
    return render_template("admin/password_link.html", page="password_link", secret=secret, errors=errors,
                           login=login, min_length=MIN_PASSWORD_LENGTH), status


@password_link.get("/mot-de-passe/<secret>")
def choose(secret: str) -> Any:
    row = live_link(secret)
    if row is None:
        return _form("", {"_form": EXPIRED}, 410)
    return _form(secret, {}, 200, row.account.login)


@password_link.post("/mot-de-passe/<secret>")
def choose_submit(secret: str) -> Any:
    row = live_link(secret)
    if row is None:
        return _form("", {"_form": EXPIRED}, 410)
    try:
        data = PasswordChoiceSchema().load({"password": request.form.get("password", ""),
                                            "confirmation": request.form.get("confirmation", "")})
    except ValidationError as exc:
        return _form(secret, {k: " ".join(v) for k, v in exc.messages.items()}, 422, row.account.login)
    try:
        use_link(secret, data["password"])
    except LinkRefused:
        return _form("", {"_form": EXPIRED}, 410)
    logout_session()  # whoever was signed in on this browser: the person now signs in with the new password
    flash("Votre mot de passe est enregistré : connectez-vous avec lui.")
    return redirect(url_for("shell.login"))
