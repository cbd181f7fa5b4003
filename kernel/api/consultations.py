"""Opening an exchange is audited (« Qui a consulté ? »): after a successful GET of the thread page, of an
exchange or of its messages, whoever the route's module. Keyed on endpoint names so that no view has to
remember it; registered app-wide through the API blueprint, which every app mounts."""
from __future__ import annotations

from flask import Response, request

from ..auth import current_account
from ..services.consultations import record_consultation
from .blueprint import api

# endpoint -> how the exchange was opened (kept in the audit line)
CONSULTING_ENDPOINTS = {"shell.thread": "page", "api.get_exchange": "api", "api.list_messages": "api"}


@api.after_app_request
def _audit_consultation(response: Response) -> Response:
    via = CONSULTING_ENDPOINTS.get(request.endpoint or "")
    if via is None or request.method != "GET" or response.status_code != 200:
        return response
    account = current_account()
    exchange_id = (request.view_args or {}).get("exchange_id")
    if account is not None and isinstance(exchange_id, int):
        record_consultation(account, exchange_id, via=via)
    return response
