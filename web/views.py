"""Pages of the web shell. They are thin: the pages talk to the JSON API like any other client."""
from __future__ import annotations

from functools import wraps
from typing import Any, Callable
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from kernel.api.errors import http_error_response, wants_json
from kernel.auth import current_account, login_session, logout_session
from kernel.auth import psc
from kernel.auth.login import PASSWORD_LOGIN_OFF, LoginRefused, authenticate, password_login
from kernel.relais import current_relais
from kernel.services.acting_as import can_see

from .layout import layout_context
from .patient_page import known_patient, patient_identity

shell = Blueprint("shell", __name__)

SPACES = {"chat": "Conversations", "mail": "Messagerie sécurisée"}


def safe_next(target: str | None) -> str:
    """Where to go after login: a path of this site only, never another host (open redirect)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return url_for("shell.inbox")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(c in target for c in "\r\n\t"):
        return url_for("shell.inbox")
    return target


def login_page() -> Any:
    """The login page, then back here: for any page of the app a visitor may not see signed out."""
    return redirect(url_for("shell.login", next=request.full_path.rstrip("?")))


def login_required(view: Callable) -> Callable:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_account() is None:
            return login_page()
        return view(*args, **kwargs)
    return wrapper


# App-wide: plugins' pages extend base.html too, and get the same layout (account, panel, menus, assets).
shell.app_context_processor(layout_context)


def login_form(status: int = 200, **values: Any) -> Any:
    """The login page: Pro Santé Connect's button when enabled, the password form unless turned off."""
    context = {"login": "", "errors": {}, "next": request.args.get("next", ""), **values}
    return render_template("login.html", page="login", psc_enabled=psc.enabled(), password_login=password_login(),
                           **context), status


@shell.get("/login")
def login() -> Any:
    if current_account() is not None:
        return redirect(safe_next(request.args.get("next")))
    return login_form()


@shell.post("/login")
def login_submit() -> Any:
    form = request.form
    login_value = form.get("login", "").strip()
    password = form.get("password", "")
    next_value = form.get("next", "")
    errors: dict[str, str] = {}
    if not password_login():  # before the fields: there is no password to type
        errors["_form"] = PASSWORD_LOGIN_OFF
        return login_form(403, errors=errors, next=next_value)
    if not login_value:
        errors["login"] = "Saisissez votre identifiant."
    if not password:
        errors["password"] = "Saisissez votre mot de passe."
    status = 400
    if not errors:
        try:
            account = authenticate(login_value, password, request.remote_addr or "")
        except LoginRefused as exc:
            errors["_form"] = exc.message
            status = exc.status
        else:
            login_session(account)
            return redirect(safe_next(next_value))
    return login_form(status, login=login_value, errors=errors, next=next_value)


@shell.get("/login/psc")
def psc_start() -> Any:
    """« Se connecter avec Pro Santé Connect »: off to the provider, back at psc_return."""
    if not psc.enabled():
        abort(404)
    next_value = request.args.get("next", "")
    if current_account() is not None:
        return redirect(safe_next(next_value))
    try:
        return psc.start(url_for("shell.psc_return", _external=True), safe_next(next_value))
    except psc.PscRefused as exc:
        return login_form(exc.status, errors={"_form": exc.message}, next=next_value)


@shell.get("/login/psc/retour")
def psc_return() -> Any:
    """The provider's answer (redirect URI to declare at the ANS): signed in, or the login page saying why not."""
    if not psc.enabled():
        abort(404)
    try:
        account, id_token, next_value = psc.finish(request.args.to_dict())
    except psc.PscRefused as exc:
        return login_form(exc.status, errors={"_form": exc.message}, next="")
    psc.sign_in(account, id_token)
    return redirect(safe_next(next_value))


@shell.post("/logout")
def logout() -> Any:
    id_token = psc.take_id_token(g.get("session_id")) if psc.enabled() else None
    logout_session()  # on the server too: a copy of the cookie is refused from now on
    flash("Vous êtes déconnecté.")
    end_url = id_token and psc.logout_url(id_token, url_for("shell.login", _external=True))
    if end_url:
        # Signed in through Pro Santé Connect: its session ends too. Not a redirect: the page's Content-Security-
        # Policy (form-action 'self') forbids a form's redirect to another site; this page goes there on its own.
        g.account = None
        page = render_template("psc_logout.html", page="psc_logout", end_url=end_url)
        return page, 200, {"Cache-Control": "no-store"}  # its link holds the id_token
    return redirect(url_for("shell.login"))


@shell.get("/")
@login_required
def inbox() -> Any:
    space = request.args.get("espace", "chat")
    if space not in SPACES:
        space = "chat"
    return render_template("inbox.html", page="inbox", space=space, spaces=SPACES)


@shell.get("/envoyer/<name>")
@login_required
def compose(name: str) -> Any:
    channel = current_relais().channels.get(name)
    if channel is None:
        return not_found_page("Ce canal d'envoi n'existe pas ou n'est pas activé sur cette plateforme.")
    return render_template("compose.html", page="compose", channel=channel, spaces_label=SPACES[channel.space])


@shell.get("/echanges/<int:exchange_id>")
@login_required
def thread(exchange_id: int) -> Any:
    # Same answer for "does not exist" and "not yours": the page must not reveal that an exchange exists.
    if not can_see(current_account().id, exchange_id):
        return not_found_page("Cet échange est introuvable, ou vous n'y participez pas.")
    return render_template("thread.html", page="thread", exchange_id=exchange_id)


@shell.get("/patients")
@login_required
def patients() -> Any:
    """« Mes patients »: the account's recent patients and a search among those in its care (js/patients.js)."""
    return render_template("patients.html", page="patients")


@shell.get("/patients/<int:patient_id>")
@login_required
def patient(patient_id: int) -> Any:
    # Only patients the user already deals with: an identity is personal data, not a directory.
    found = known_patient(current_account().id, patient_id)
    if found is None:
        return not_found_page("Ce patient est introuvable, ou il n'est pas suivi par vous ni par une structure "
                              "pour laquelle vous agissez : retrouvez-le par son INS.")
    return render_template("patient.html", page="patient", patient=found, identity=patient_identity(found),
                           spaces=SPACES)


@shell.get("/mes-acces")
@login_required
def access() -> Any:
    """« Sessions et accès »: the account's browsers and tokens, drawn by js/access.js from /api/v1/me/..."""
    return render_template("access.html", page="access")


def not_found_page(message: str) -> Any:
    return render_template("404.html", page="error", title="Page introuvable", message=message), 404


PAGE_ERRORS = {403: ("Accès refusé", "Votre compte ne permet pas d'ouvrir cette page. Si vous pensez en avoir "
                                       "besoin, demandez-le à l'administrateur de la plateforme."),
               404: ("Page introuvable", "Cette page n'existe pas."),
               405: ("Action impossible", "Cette adresse ne s'utilise pas ainsi : revenez en arrière et utilisez "
                                          "les boutons de la page.")}


@shell.app_errorhandler(401)
@shell.app_errorhandler(403)
@shell.app_errorhandler(404)
@shell.app_errorhandler(405)
def _page_error(exc: Any) -> Any:
    # Anywhere in the app: a French page for people, the API's JSON shape for programs. A plugin's page
    # answers abort(401) to a visitor signed out: people are sent to the login page, and back.
    status = exc.code
    if wants_json():
        return http_error_response(exc)
    if status == 401:
        return login_page()
    title, message = PAGE_ERRORS[status]
    return render_template("404.html", page="error", title=title, message=message), status
