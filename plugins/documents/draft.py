"""DOC-5, the virtual printer's server side: files pushed by ``relais print`` (bearer token) or its watched folder
land in the account's document draft, which the single screen opens with (kept server-side, per account)."""
from __future__ import annotations

import base64
import io
from html import escape
from typing import Any

from flask import jsonify, request

from kernel import api_login_required, current_account, current_relais, utcnow, write_transaction
from kernel.models import Account, Attachment

from .models import PRINTED, WATCHED, DraftFile
from .views import blueprint

PDF = "application/pdf"
IMAGES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
NOT_A_DOCUMENT = ("« {name} » n'est ni un PDF ni une image : imprimez-le en PDF avant de l'envoyer dans un envoi "
                  "de documents.")
NOTHING = "Aucun fichier reçu : indiquez un ou plusieurs fichiers PDF ou images."
UNKNOWN = "Un des fichiers est introuvable : envoyez-le de nouveau."
COMPOSE = "/envoyer/documents"


def draft_files(account: Account) -> list[Attachment]:
    return list(Attachment.select().join(DraftFile, on=(DraftFile.attachment == Attachment.id))
                .where(DraftFile.account == account.id).order_by(DraftFile.id))


def as_json(attachment: Attachment) -> dict[str, Any]:
    return {"id": attachment.id, "filename": attachment.filename, "size": attachment.size,
            "content_type": attachment.content_type}


def image_as_pdf(data: bytes, content_type: str, name: str) -> bytes:
    """A scanned page or a photo, as one A4 page (the kernel's PDF renderer: wkhtmltopdf)."""
    inline = f"data:{content_type};base64,{base64.b64encode(data).decode()}"
    html = (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{escape(name)}</title></head>'
            f'<body style="margin:0"><img src="{inline}" style="max-width:100%;max-height:260mm"></body></html>')
    return current_relais().pdf.render(html, title=name)


def _fail(status: int, message: str) -> Any:
    return jsonify(errors={"attachments": [message]}), status


@blueprint.post("/brouillon")
@api_login_required
def add_to_draft() -> Any:
    """``{"attachments": [ids], "source": "impression"|"dossier"}``: files the caller uploaded through the kernel's
    ``POST /api/v1/attachments`` (its size limits, quota and audit apply), put into their document draft: PDFs as
    they are, an image as a one-page PDF. All go in or none."""
    relais, account = current_relais(), current_account()
    body = request.get_json(silent=True) if request.is_json else None
    wanted = body.get("attachments") if isinstance(body, dict) else None
    if not isinstance(wanted, list) or not wanted or not all(isinstance(i, int) for i in wanted):
        return _fail(400, NOTHING)
    source = WATCHED if body.get("source") == WATCHED else PRINTED
    mine = {a.id: a for a in Attachment.select().where(Attachment.id.in_(wanted)
                                                         & (Attachment.uploaded_by == account.id))}
    if len(mine) != len(set(wanted)):
        return _fail(404, UNKNOWN)
    files = [mine[i] for i in dict.fromkeys(wanted)]
    refused = [NOT_A_DOCUMENT.format(name=a.filename) for a in files
               if a.content_type != PDF and a.content_type not in IMAGES]
    if refused:
        return _fail(422, " ".join(refused))
    saved = []
    try:
        with write_transaction():
            for attachment in files:
                if attachment.content_type != PDF:
                    with relais.attachments.open(attachment) as fh:
                        pdf = image_as_pdf(fh.read(), attachment.content_type, attachment.filename)
                    stem = attachment.filename.rsplit(".", 1)[0] if "." in attachment.filename else attachment.filename
                    attachment = relais.attachments.save(io.BytesIO(pdf), f"{stem}.pdf", account)
                DraftFile.insert(account=account.id, attachment=attachment.id, source=source,
                                 created_at=utcnow()).on_conflict_ignore().execute()
                saved.append(attachment)
    except ValueError as exc:  # the renderer's PDF refused by the store (too large): said in French
        return _fail(413 if "taille" in str(exc) else 422, str(getattr(exc, "message", exc)))
    relais.audit.record("documents.draft.add", account_id=account.id, status=201,
                        target=",".join(f"attachment:{a.id}" for a in saved), detail=f"source={source}")
    return jsonify(attachments=[as_json(a) for a in saved], url=COMPOSE,
                   link=request.host_url.rstrip("/") + COMPOSE), 201


@blueprint.get("/brouillon")
@api_login_required
def show_draft() -> Any:
    return jsonify(attachments=[as_json(a) for a in draft_files(current_account())], url=COMPOSE)


@blueprint.delete("/brouillon/<int:attachment_id>")
@api_login_required
def remove_from_draft(attachment_id: int) -> Any:
    """Only the account's own draft: another's file is not found, as one that does not exist."""
    with write_transaction():
        gone = DraftFile.delete().where((DraftFile.account == current_account().id)
                                        & (DraftFile.attachment == attachment_id)).execute()
    if not gone:
        return jsonify(errors={"attachment": ["Ce fichier n'est pas dans votre brouillon."]}), 404
    return "", 204


def forget_sent(account: Account, attachment_ids: list[int]) -> None:
    """Sent files leave the draft (inside the send's transaction)."""
    DraftFile.delete().where((DraftFile.account == account.id)
                             & DraftFile.attachment.in_(attachment_ids)).execute()
