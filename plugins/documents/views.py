"""The screen's per-document questions (DOC-1): once files are attached, a type and a date for each (the
"descriptions" fieldset watching "attachments")."""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, jsonify, request

from kernel import FormField, api_login_required, current_account
from kernel.models import Attachment

from .document_types import choices
from .rules import date_key, type_key

blueprint = Blueprint("documents", __name__, url_prefix="/documents")
TITLE = "Type et date de chaque document"


def document_fields(attachments: list[Attachment]) -> list[FormField]:
    today = dt.date.today().isoformat()
    fields = []
    for index, attachment in enumerate(attachments):
        fields.append(FormField(type_key(attachment.id), "select", f"Type de « {attachment.filename} »",
                                required=True, order=2 * index, choices=choices(),
                                placeholder="— Choisir le type de document —",
                                options={"search": True, "search_label": "Rechercher un type (nom ou code LOINC)"}))
        fields.append(FormField(date_key(attachment.id), "date", f"Date de « {attachment.filename} »",
                                required=True, order=2 * index + 1, default=today))
    return fields


@blueprint.get("/champs")
@api_login_required
def fields() -> Any:
    """``?attachments=3,4``: the questions for the caller's own files, in that order (others' are ignored)."""
    wanted = [int(part) for part in request.args.get("attachments", "").split(",") if part.strip().isdigit()][:50]
    account = current_account()
    mine = {a.id: a for a in Attachment.select().where(Attachment.id.in_(wanted)
                                                         & (Attachment.uploaded_by == account.id))} if wanted else {}
    attachments = [mine[i] for i in dict.fromkeys(wanted) if i in mine]
    return jsonify({"title": TITLE, "notice": None, "fields": [f.as_json() for f in document_fields(attachments)]})
