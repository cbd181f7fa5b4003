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
from marshmallow import EXCLUDE, ValidationError, validate

from kernel import current_account, current_relais, flatten_errors, iso_utc
from kernel import schemas as f
from kernel.mail import (DISCARDED, HELD, RELEASED, NotHeld, UndeliveredMail, discard, held_count, is_valid,
                         refusal_reason, release, undelivered_rows)
from kernel.models import AuditEvent

from .admin_rows import describe_rows, local_time
from .release_targets import GROUPS as TARGET_GROUPS
from .release_targets import MAX_LIMIT as TARGETS_MAX
from .release_targets import release_target, search_release_targets

blueprint = Blueprint("mssante_mail_admin", __name__, url_prefix="/mssante_mail/admin")
DEFAULT_TIMEZONE = "Europe/Paris"
# Every mail event the transport and this plugin write (sends, refusals, receptions, MDNs, deletions...).
MAIL_ACTIONS = "mail."
# The list's filters: "resolved" is the page's « Traités » (released or discarded).
STATUSES = {HELD: HELD, RELEASED: RELEASED, DISCARDED: DISCARDED, "resolved": (RELEASED, DISCARDED), "all": None}
ALREADY_HANDLED = "Ce mail n'est plus en attente : un autre administrateur vient de le traiter. Rechargez la liste."
AUDIT_MAX = 5000


class ReleaseTargetsQuerySchema(f.FrenchSchema):
    """The query string of GET /release-targets (French errors at each field)."""

    q = f.String(load_default="")
    group = f.String(load_default="", validate=validate.OneOf(
        ["", *(key for key, _ in TARGET_GROUPS)], error="Le groupe doit être « structures » ou « professionals »."))
    limit = f.Integer(load_default=10, validate=validate.Range(min=1, error="Demandez au moins 1 boîte."))
    offset = f.Integer(load_default=0, validate=validate.Range(min=0, error="Le décalage ne peut pas être négatif."))

    class Meta:
        unknown = EXCLUDE  # a query string may carry a cache-buster


class AuditQuerySchema(f.FrenchSchema):
    """The query string of GET /audit: local dates, an exact action, how many events."""

    since = f.Date(load_default=None)
    until = f.Date(load_default=None)
    action = f.String(load_default="", validate=f.length(max_length=100))
    limit = f.Integer(load_default=500, validate=validate.Range(min=1, error="Demandez au moins 1 événement."))

    class Meta:
        unknown = EXCLUDE


def _query(schema: f.FrenchSchema) -> tuple[dict[str, Any] | None, Any]:
    """The query string loaded by ``schema``, or the 400 answer with the French error at each field."""
    try:
        return schema.load({k: v for k, v in request.args.items() if v != ""}), None
    except ValidationError as exc:
        return None, (jsonify(errors=flatten_errors(exc.messages)), 400)


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


@blueprint.get("/undelivered")
def undelivered() -> Any:
    """Mail the operator accepted that no mailbox could take ("non distribué"): envelope and reason only."""
    status = request.args.get("status", HELD)
    if status not in STATUSES:
        return _error(400, "L'état doit être « held », « resolved », « released », « discarded » ou « all ».",
                      "status")
    zone = audit_zone()
    rows = undelivered_rows(STATUSES[status])
    describe_rows(rows, zone)
    return jsonify(undelivered=rows, timezone=zone.key, held=held_count())


@blueprint.get("/undelivered/count")
def undelivered_count() -> Any:
    """The number of held messages: the badge next to « Mails non distribués »."""
    return jsonify(held=held_count())


@blueprint.get("/release-targets")
def release_targets() -> Any:
    """The platform's mailboxes a held mail may be released into, by name or address (the release picker)."""
    args, refused = _query(ReleaseTargetsQuerySchema())
    if refused is not None:
        return refused
    return jsonify(search_release_targets(args["q"][:200], args["group"], min(args["limit"], TARGETS_MAX),
                                          args["offset"]))


@blueprint.post("/undelivered/<int:held_id>/release")
def release_one(held_id: int) -> Any:
    """Deliver a held message to its mailbox (once it exists) or to ``{"to": "<address>"}``."""
    data = request.get_json(silent=True) if request.content_length else {}
    if not isinstance(data, dict):
        return _error(400, "Un objet JSON est attendu, par exemple {\"to\": \"adresse@domaine.fr\"}.")
    refused = _not_held(held_id)
    if refused is not None:
        return refused
    to = data.get("to")
    if to is not None and not isinstance(to, str):
        return _error(422, "Indiquez une adresse de messagerie.", "to")
    to = (to or "").strip() or None
    if to is not None:
        # Checked before anything is tried: a typo must neither be audited as a delivery attempt nor
        # overwrite why the mail is held.
        if not is_valid(to):
            return _error(422, f"« {to} » n'est pas une adresse de messagerie valide.", "to")
        if release_target(to) is None:
            return _error(422, f"Aucune boîte de la plateforme ne détient l'adresse {to} : choisissez une boîte "
                               "dans la liste (par exemple la messagerie organisationnelle).", "to")
    try:
        code, text = release(held_id, current_account().id, to)
    except NotHeld:
        return _error(409, ALREADY_HANDLED)
    target = to or UndeliveredMail.get_by_id(held_id).mailbox
    if not 200 <= code < 300:
        return _error(422, f"Le mail n'a pas pu être remis ({code}). {refusal_reason(target, (code, text))} "
                           "Choisissez une autre boîte, par exemple la messagerie organisationnelle.", "to")
    return jsonify(released=held_id, response=[code, text], to=release_target(target), row=_row(held_id),
                   held=held_count())


@blueprint.post("/undelivered/<int:held_id>/discard")
def discard_one(held_id: int) -> Any:
    refused = _not_held(held_id)
    if refused is not None:
        return refused
    try:
        discard(held_id, current_account().id)
    except NotHeld:
        return _error(409, ALREADY_HANDLED)
    return jsonify(discarded=held_id, row=_row(held_id), held=held_count())


def _row(held_id: int) -> dict[str, Any]:
    """One row as the list gives it: the page redraws it in place after a release or a discard."""
    [row] = undelivered_rows(None, ids=[held_id])
    describe_rows([row], audit_zone())
    return row


def _not_held(held_id: int) -> Any:
    """The French answer when ``held_id`` cannot be released or discarded any more (None when it can)."""
    row = UndeliveredMail.select(UndeliveredMail.id, UndeliveredMail.status).where(
        UndeliveredMail.id == held_id).first()
    if row is None:
        return _error(404, "Ce mail non distribué est introuvable : rechargez la liste.")
    if row.status == RELEASED:
        return _error(409, "Ce mail a déjà été remis dans une boîte : rechargez la liste pour voir où.")
    if row.status == DISCARDED:
        return _error(409, "Ce mail a été supprimé définitivement : il ne peut plus être remis.")
    return None


@blueprint.get("/audit")
def audit() -> Any:
    """The mail audit trail, newest first: ``since``/``until`` (local dates, YYYY-MM-DD), ``action``, ``limit``."""
    args, refused = _query(AuditQuerySchema())
    if refused is not None:
        return refused
    zone = audit_zone()
    query = AuditEvent.select().where(AuditEvent.action.startswith(MAIL_ACTIONS))
    for name, op in (("since", "ge"), ("until", "lt")):
        if args[name] is None:
            continue
        try:
            day = args[name] + dt.timedelta(days=1 if op == "lt" else 0)
            bound = dt.datetime.combine(day, dt.time(), zone).astimezone(dt.timezone.utc).replace(tzinfo=None)
        except OverflowError:  # 9999-12-31 has no next day; 0001-01-01 in Paris starts before year 1 in UTC
            return _error(400, "Date hors des limites : choisissez une date plus proche.", name)
        query = query.where(AuditEvent.at >= bound if op == "ge" else AuditEvent.at < bound)
    if args["action"]:
        query = query.where(AuditEvent.action == args["action"])
    events = query.order_by(AuditEvent.id.desc()).limit(min(args["limit"], AUDIT_MAX))
    return jsonify(timezone=zone.key, events=[
        {"id": e.id, "at": local_time(e.at, zone), "at_utc": iso_utc(e.at), "action": e.action,
         "account_id": e.account_id, "acting_as_id": e.acting_as_id, "target": e.target, "outcome": e.outcome,
         "request": e.request, "detail": e.detail} for e in events])
