"""Drafts: what a send screen or a thread's message box holds, saved as the user types, read back on return.

Each account reads and writes only its own drafts; a screen about an exchange the account cannot see, a
channel that does not exist or a patient outside its care answers 404, as if there were nothing. A screen the
account may write about but holds no draft of answers 204: every send screen asks on opening, and nothing to
take back is the ordinary case, not an error (no 404 in the browser's console on every screen).
"""
from __future__ import annotations

import json
from typing import Any

from flask import jsonify
from marshmallow import ValidationError

from ..auth import api_login_required, current_account
from ..db import write_transaction
from ..models import Draft
from ..relais import current_relais
from ..schemas.draft import DraftOutSchema, DraftSchema
from ..schemas.exchange import AttachmentSchema
from ..services import drafts
from ..services.acting_as import can_see
from ..services.patients import known_patient
from ..services.sending import SendRejected, flatten_errors
from .blueprint import api
from .errors import fail, json_body, not_found


def _screen(key: str) -> drafts.Screen:
    """The screen, if it names one the account may write about; 404 otherwise."""
    screen = drafts.parse_screen(key)
    account = current_account()
    if screen is None:
        not_found()
    if screen.exchange_id is not None and not can_see(account.id, screen.exchange_id):
        not_found()
    if screen.channel is not None and screen.channel not in current_relais().channels:
        not_found()
    if screen.patient_id is not None and known_patient(account.id, screen.patient_id) is None:
        not_found()
    return screen


def _mine(screen: drafts.Screen) -> Draft | None:
    return Draft.get_or_none((Draft.account == current_account().id) & (Draft.screen == screen.key))


def _as_json(draft: Draft) -> dict[str, Any]:
    body = DraftOutSchema().dump(draft)
    # Only what the owner may still send goes back: a file removed since is simply no longer there.
    body["attachments"] = AttachmentSchema(many=True).dump(
        drafts.own_attachments(current_account().id, draft.attachments or []))
    return body


@api.get("/drafts/<screen>")
@api_login_required
def get_draft(screen: str) -> Any:
    draft = _mine(_screen(screen))
    if draft is None:
        return "", 204
    return jsonify(draft=_as_json(draft))


@api.put("/drafts/<screen>")
@api_login_required
def save_draft(screen: str) -> Any:
    where = _screen(screen)
    payload = json_body()
    if not isinstance(payload, dict):
        fail(400, "Un objet JSON est attendu.")
    try:
        data = DraftSchema().load(payload)
    except ValidationError as exc:
        raise SendRejected(flatten_errors(exc.messages)) from None
    if len(json.dumps(data, ensure_ascii=False).encode()) > drafts.MAX_DRAFT_BYTES:
        fail(413, f"Ce brouillon est trop long pour être gardé ({drafts.MAX_DRAFT_BYTES // 1024} Ko au plus) : "
                  "raccourcissez le texte ou joignez-le comme fichier.", "fields")
    account = current_account()
    attachments = list(dict.fromkeys(data["attachments"]))
    if len(drafts.own_attachments(account.id, attachments)) != len(attachments):
        fail(422, "Une pièce jointe est introuvable : ajoutez-la de nouveau.", "attachments")
    with write_transaction():
        draft = drafts.save(account.id, where.key, data["fields"], attachments)
    return jsonify(draft=_as_json(draft))


@api.delete("/drafts/<screen>")
@api_login_required
def delete_draft(screen: str) -> Any:
    """Removed, or already gone (another tab's send took it): the same answer, the user's wish is met."""
    draft = _mine(_screen(screen))
    if draft is not None:
        with write_transaction():
            Draft.delete().where(Draft.id == draft.id).execute()
    return "", 204
