"""The query string of GET /mssante_mail/search, described once (French errors at each field)."""
from __future__ import annotations

from marshmallow import EXCLUDE, validate

from kernel import schemas as f

FOLDERS = ("", "inbox", "sent")
MAX_LIMIT = 200


class MailSearchQuerySchema(f.FrenchSchema):
    q = f.String(load_default="", validate=f.length(max_length=200))
    sender = f.String(load_default="", validate=f.length(max_length=200))
    subject = f.String(load_default="", validate=f.length(max_length=200))
    patient = f.String(load_default="", validate=f.length(max_length=200))
    mailbox = f.Integer(load_default=None, allow_none=True)
    folder = f.String(load_default="", validate=validate.OneOf(FOLDERS, error="Le dossier doit être « inbox » ou « sent »."))
    limit = f.Integer(load_default=50, validate=validate.Range(min=1, error="Demandez au moins 1 mail."))
    offset = f.Integer(load_default=0, validate=validate.Range(min=0, error="Le décalage ne peut pas être négatif."))

    class Meta:
        unknown = EXCLUDE  # a query string may carry a cache-buster
