"""DOC-5, the virtual printer's server side: files pushed by ``relais print`` (bearer token) or its watched folder
land in the account's document draft, which the single screen opens with (kept server-side, per account)."""
from __future__ import annotations

import base64
import io
from html import escape
from typing import Any

import magic  # how the kernel tells a file's type (python-magic)
from flask import jsonify, request

from kernel import api_login_required, current_account, current_relais, write_transaction
from kernel.models import Account, Attachment

from .models import PRINTED, WATCHED, DraftFile
from .views import blueprint

PDF = "application/pdf"
IMAGES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
NOT_A_DOCUMENT = ("« {name} » n'est ni un PDF ni une image : imprimez-le en PDF avant de l'envoyer dans un envoi "
                  "de documents.")
NOTHING = "Aucun fichier reçu : indiquez un ou plusieurs fichiers PDF ou images."
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
    return jsonify(errors={"file": [message]}), status


@blueprint.post("/brouillon")
@api_login_required
def add_to_draft() -> Any:
    """``file`` (one or more): PDFs as they are, images turned into a PDF page; all stored or none."""
    relais, account = current_relais(), current_account()
    uploads = request.files.getlist("file")
    if not uploads:
        return _fail(400, NOTHING)
    source = WATCHED if request.form.get("source") == WATCHED else PRINTED
    ready: list[tuple[bytes, str]] = []
    for upload in uploads:
        data, name = upload.read(), upload.filename or "document"
        kind = _sniff(data)
        if kind == PDF:
            ready.append((data, name))
        elif kind in IMAGES:
            stem = name.rsplit(".", 1)[0] if "." in name else name
            ready.append((image_as_pdf(data, kind, name), f"{stem}.pdf"))
        else:
            return _fail(422, NOT_A_DOCUMENT.format(name=name))
    saved = []
    try:
        with write_transaction():
            for data, name in ready:
                attachment = relais.attachments.save(io.BytesIO(data), name, account)
                DraftFile.create(account=account, attachment=attachment, source=source)
                saved.append(attachment)
    except ValueError as exc:  # AttachmentRejected: empty or too large, said in French
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


def _sniff(data: bytes) -> str:
    return magic.from_buffer(data[:8192], mime=True) or ""
