"""Administrators' side of secure mail (/mssante_mail/admin/...): undelivered mail, and the mail audit trail.

The audit trail's timestamps are given in local time with their offset, as STANDARDS.md asks ("local
timestamp"); they are stored in UTC, like every timestamp of the platform, and the zone is the plugin's
``audit_timezone`` setting (default Europe/Paris).
"""
from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Blueprint, jsonify, request

from kernel import current_account, current_relais
from kernel.json import iso_utc
from kernel.mail.undelivered import NotHeld, discard, release, undelivered_rows
from kernel.models import AuditEvent

blueprint = Blueprint("mssante_mail_admin", __name__, url_prefix="/mssante_mail/admin")
DEFAULT_TIMEZONE = "Europe/Paris"
# Every mail event the transport and this plugin write (sends, refusals, receptions, MDNs, deletions...).
MAIL_ACTIONS = "mail."
STATUSES = ("held", "released", "discarded", "all")


def _error(status: int, message: str, field: str = "_schema") -> Any:
    return jsonify(errors={field: [message]}), status


@blueprint.before_request
def _administrators_only() -> Any:
    account = current_account()
    if account is None:
        return _error(401, "Connectez-vous pour continuer.", "_auth")
    if not account.is_admin:
        return _error(403, "Réservé aux administrateurs de la plateforme.")
    return None


def audit_zone() -> ZoneInfo:
    name = str(current_relais().plugin_settings("mssante_mail").get("audit_timezone") or DEFAULT_TIMEZONE)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def local_time(value: dt.datetime | None, zone: ZoneInfo) -> str | None:
    """A stored (naive UTC) timestamp as local time with its offset: ``2026-07-01T14:00:00.000+02:00``."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.timezone.utc).astimezone(zone).isoformat(timespec="milliseconds")


@blueprint.get("/undelivered")
def undelivered() -> Any:
    """Mail the operator accepted that no mailbox could take ("non distribué"): envelope and reason only."""
    status = request.args.get("status", "held")
    if status not in STATUSES:
        return _error(400, "L'état doit être « held », « released », « discarded » ou « all ».", "status")
    zone = audit_zone()
    rows = undelivered_rows(None if status == "all" else status)
    for row in rows:
        row["created_at_local"] = local_time(row["created_at"], zone)
    return jsonify(undelivered=rows)


@blueprint.post("/undelivered/<int:held_id>/release")
def release_one(held_id: int) -> Any:
    """Deliver a held message to its mailbox (once it exists) or to ``{"to": "<address>"}``."""
    data = request.get_json(silent=True) if request.content_length else {}
    to = (data or {}).get("to") if isinstance(data, dict) else None
    if to is not None and not isinstance(to, str):
        return _error(422, "Indiquez une adresse de messagerie.", "to")
    try:
        code, text = release(held_id, current_account().id, to or None)
    except NotHeld:
        return _error(404, "Ce message n'est plus en attente : il a déjà été remis ou supprimé.")
    if not 200 <= code < 300:
        return _error(422, f"Le message n'a pas pu être remis ({code} {text}) : vérifiez l'adresse, ou "
                           "choisissez une autre boîte (par exemple la messagerie organisationnelle).", "to")
    return jsonify(released=held_id, response=[code, text])


@blueprint.post("/undelivered/<int:held_id>/discard")
def discard_one(held_id: int) -> Any:
    try:
        discard(held_id, current_account().id)
    except NotHeld:
        return _error(404, "Ce message n'est plus en attente : il a déjà été remis ou supprimé.")
    return jsonify(discarded=held_id)


@blueprint.get("/audit")
def audit() -> Any:
    """The mail audit trail, newest first: ``since``/``until`` (local dates, YYYY-MM-DD), ``action``, ``limit``."""
    zone = audit_zone()
    query = AuditEvent.select().where(AuditEvent.action.startswith(MAIL_ACTIONS))
    for name, op in (("since", "ge"), ("until", "lt")):
        if request.args.get(name):
            try:
                day = dt.date.fromisoformat(request.args[name]) + dt.timedelta(days=1 if op == "lt" else 0)
            except ValueError:
                return _error(400, "Date attendue au format AAAA-MM-JJ.", name)
            bound = dt.datetime.combine(day, dt.time(), zone).astimezone(dt.timezone.utc).replace(tzinfo=None)
            query = query.where(AuditEvent.at >= bound if op == "ge" else AuditEvent.at < bound)
    if request.args.get("action"):
        query = query.where(AuditEvent.action == request.args["action"])
    limit = request.args.get("limit", "500")
    if not limit.isdigit():
        return _error(400, "Nombre entier attendu.", "limit")
    events = query.order_by(AuditEvent.id.desc()).limit(min(int(limit), 5000))
    return jsonify(timezone=zone.key, events=[
        {"id": e.id, "at": local_time(e.at, zone), "at_utc": iso_utc(e.at), "action": e.action,
         "account_id": e.account_id, "acting_as_id": e.acting_as_id, "target": e.target, "outcome": e.outcome,
         "request": e.request, "detail": e.detail} for e in events])
