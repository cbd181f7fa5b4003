"""Attachments: upload (multipart), download with the original name, access checked."""
from __future__ import annotations

from typing import Any

from flask import jsonify, request, send_file

from ..auth import api_login_required, current_account
from ..models import Attachment, MessageAttachment, Message
from ..relais import current_relais
from ..schemas.exchange import AttachmentSchema
from ..services.acting_as import visible_exchanges
from ..db import write_transaction
from ..services.attachments import AttachmentRejected, quota_refusal
from ..services.consultations import exchanges_carrying, note_consultation
from .blueprint import api
from .errors import fail, not_found

INLINE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain")


@api.post("/attachments")
@api_login_required
def upload_attachment() -> Any:
    relais = current_relais()
    files = request.files.getlist("file")
    if not files:
        fail(400, "Aucun fichier reçu : choisissez un fichier à joindre.", "file")
    saved = []
    account = current_account()
    config = relais.config
    for upload in files:
        try:
            saved.append(relais.attachments.save(upload.stream, upload.filename, account))
        except AttachmentRejected as exc:
            with write_transaction():
                relais.attachments.remove(saved)  # a request's files are all stored or none
            status = 413 if "taille" in exc.message else 422
            fail(status, f"{upload.filename or 'Fichier'} : {exc.message}", "file")
        # Counted once stored (its size is known only then): over the limits, this request's files go again.
        refusal = quota_refusal(account.id, config["upload_quota_bytes"], config["upload_daily_bytes"])
        if refusal:
            with write_transaction():
                relais.attachments.remove(saved)
            relais.audit.record("attachment.upload", account_id=account.id, outcome="refused", status=413,
                                detail="quota")
            fail(413, refusal, "file")
    relais.audit.record("attachment.upload", account_id=current_account().id,
                        target=",".join(f"attachment:{a.id}" for a in saved), status=201)
    schema = AttachmentSchema()
    body: dict[str, Any] = {"attachments": schema.dump(saved, many=True)}
    body["attachment"] = body["attachments"][0]
    return jsonify(body), 201


def can_read(attachment: Attachment, account_id: int) -> bool:
    if attachment.uploaded_by_id == account_id:
        return True
    return (MessageAttachment.select().join(Message)
            .where((MessageAttachment.attachment == attachment.id)
                   & Message.exchange.in_(visible_exchanges(account_id))).exists())


def exchanges_showing(attachment: Attachment, account_id: int) -> list[int]:
    """The exchanges the account sees that carry the attachment (one query; a push to software reads the same)."""
    return exchanges_carrying(attachment.id, account_id)


@api.get("/attachments/<int:attachment_id>")
@api_login_required
def download_attachment(attachment_id: int) -> Any:
    attachment = Attachment.get_or_none(Attachment.id == attachment_id)
    account_id = current_account().id
    exchanges = exchanges_showing(attachment, account_id) if attachment is not None else []
    if attachment is None or (attachment.uploaded_by_id != account_id and not exchanges):
        not_found()
    # Reading a file of an exchange is consulting it (« Qui a consulté ? »): a line per exchange that carries
    # it, naming the attachment by its id only (its name may say something of the patient). An upload not yet
    # sent is its uploader's own: no exchange, no line.
    for exchange_id in exchanges:
        note_consultation(exchange_id, via="attachment", target=f"attachment:{attachment.id}")
    inline = attachment.content_type in INLINE_TYPES and request.args.get("download") != "1"
    response = send_file(current_relais().attachments.open(attachment), mimetype=attachment.content_type,
                         as_attachment=not inline, download_name=attachment.filename,
                         etag=attachment.sha256, max_age=0, conditional=True)
    # Files come from other people: never let the browser run them as part of the platform's origin.
    response.headers["X-Content-Type-Options"] = "nosniff"
    if attachment.content_type != "application/pdf":  # Chromium's PDF viewer refuses sandboxed documents
        response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response.headers["Cache-Control"] = "private, no-cache"
    return response
