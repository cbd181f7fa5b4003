"""Opening an exchange is audited (« Qui a consulté ? »): after a successful GET of the thread page, of an
exchange or of its messages, whoever the route's module; of a route marked ``@consults_exchange`` (a plugin's
panel showing an exchange's content); and of what a route noted with ``note_consultation`` (an attachment's
download). Registered app-wide through the API blueprint, which every app mounts."""
from __future__ import annotations

from flask import Response, current_app, request

from ..auth import current_account
from ..services.consultations import noted_consultations, record_consultation
from .blueprint import api

# endpoint -> how the exchange was opened (kept in the audit line): the kernel's own routes
CONSULTING_ENDPOINTS = {"shell.thread": "page", "api.get_exchange": "api", "api.list_messages": "api"}
SUCCESS = (200, 206, 304)  # 206: a part of a file (a video, a large PDF); 304: shown again from the cache


@api.after_app_request
def _audit_consultation(response: Response) -> Response:
    if request.method != "GET" or response.status_code not in SUCCESS:
        return response
    endpoint = request.endpoint or ""
    view = current_app.view_functions.get(endpoint)
    via = CONSULTING_ENDPOINTS.get(endpoint) or getattr(view, "relais_consults", None)
    noted = noted_consultations()
    if via is None and not noted:
        return response
    account = current_account()
    if account is None:
        return response
    exchange_id = (request.view_args or {}).get("exchange_id")
    if via is not None and isinstance(exchange_id, int) and response.status_code == 200:
        record_consultation(account, exchange_id, via=via)
    for noted_id, noted_via, target in noted:
        record_consultation(account, noted_id, via=noted_via, target=target)
    return response
