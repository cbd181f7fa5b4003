"""JSON errors for the API: every 4xx has a body ``{"errors": {field: [French message]}}``."""
from __future__ import annotations

from typing import Any, NoReturn

from flask import abort, current_app, g, jsonify, make_response, request
from werkzeug.exceptions import HTTPException

from ..json import JsonRefused
from ..services.sending import SendRejected
from .blueprint import api

MESSAGES = {
    400: "Requête invalide.",
    401: "Connectez-vous pour continuer.",
    403: "Action non autorisée.",
    404: "Introuvable, ou vous n'y avez pas accès.",
    405: "Méthode non autorisée pour cette adresse.",
    413: "Le fichier est trop volumineux.",
    415: "Type de contenu non pris en charge : envoyez du JSON.",
    429: "Trop de requêtes : réessayez dans un instant.",
    500: "Erreur interne : l'incident est enregistré, réessayez dans un instant.",
    503: "Service momentanément indisponible : réessayez dans un instant.",
}


class ApiError(Exception):
    def __init__(self, status: int, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.status = status
        self.errors = errors


def fail(status: int, message: str | None = None, field: str = "_schema") -> NoReturn:
    raise ApiError(status, {field: [message or MESSAGES.get(status, "Erreur.")]})


def not_found() -> NoReturn:
    fail(404)


def json_body() -> Any:
    """The request's JSON, or a 400/415 with a French reason."""
    if not request.content_length:
        return {}
    if not request.is_json:
        fail(415)
    try:
        # Read here rather than by get_json: a refusal says which field held what (kernel/json.py).
        data = current_app.json.loads(request.get_data(cache=True))
    except JsonRefused as exc:
        fail(400, exc.message, exc.field)
    except ValueError:
        data = None
    if data is None:
        fail(400, "Le corps de la requête n'est pas un JSON valide.")
    return data


def error_response(status: int, errors: dict[str, list[str]]) -> Any:
    response = make_response(jsonify(errors=errors), status)
    return response


@api.errorhandler(ApiError)
def _api_error(exc: ApiError) -> Any:
    return error_response(exc.status, exc.errors)


@api.errorhandler(SendRejected)
def _send_rejected(exc: SendRejected) -> Any:
    return error_response(exc.status, exc.errors)


def wants_json() -> bool:
    """The API, programs (a bearer token; curl sends no Accept) and page scripts (plugins' JSON routes
    too): they read JSON, not a page."""
    if request.path.startswith("/api/") or g.get("auth") == "token":
        return True
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"


def http_error_response(exc: HTTPException) -> Any:
    """An HTTP error (unknown URL, wrong method...) in the API's JSON shape, with the exception's own
    headers, which carry meaning: "Allow" on a 405 says which methods the address takes."""
    response = error_response(exc.code or 500, {"_schema": [MESSAGES.get(exc.code or 500, exc.description or "Erreur.")]})
    for name, value in exc.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


@api.app_errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Any:
    # Routing errors (unknown URL, wrong method) never reach a blueprint handler: answer JSON for the API.
    if wants_json():
        return http_error_response(exc)
    return exc


__all__ = ["ApiError", "fail", "not_found", "json_body", "abort"]


@api.app_errorhandler(500)
def _internal_error(exc: Exception) -> Any:
    # The traceback is in the log (Flask logs it); the caller gets a French sentence, never internals.
    if wants_json():
        return error_response(500, {"_schema": [MESSAGES[500]]})
    return exc
