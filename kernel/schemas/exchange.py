"""Payloads about exchanges, messages, attachments and channels, in and out of the API."""
from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, pre_dump, validates_schema

from . import french as f
from ..services.behalf import principal_labels

MAX_MESSAGE = 100_000


class MessageDraftSchema(f.FrenchSchema):
    """A message posted in an existing exchange."""

    acting_as = f.Integer(allow_none=True, load_default=None,
                          metadata={"description": "Identité au nom de laquelle on écrit (par défaut soi-même)."})
    body = f.String(load_default="", validate=f.length(max_length=MAX_MESSAGE))
    attachments = f.List(f.Integer(), load_default=list)

    @validates_schema
    def _content(self, data: dict[str, Any], **kwargs: Any) -> None:
        if not (data.get("body") or "").strip() and not data.get("attachments"):
            raise ValidationError("Écrivez un message ou joignez un fichier.", "body")


class ExchangeUpdateSchema(f.FrenchSchema):
    subject = f.Line(validate=[f.length(max_length=250), f.not_blank])
    status = f.String(validate=f.length(max_length=40))
    patient = f.Integer(allow_none=True, metadata={
        "description": "Patient d'un fil de mails (null pour le retirer) : un de vos patients."})


class MembersAddSchema(f.FrenchSchema):
    members = f.List(f.Integer(), required=True, validate=f.length(min_length=1))


class SynthesisRequestSchema(f.FrenchSchema):
    messages = f.List(f.Integer(), load_default=None, allow_none=True, metadata={
        "description": "Messages à retenir, par leur numéro (par défaut tous, sauf les synthèses précédentes)."})


class ReadSchema(f.FrenchSchema):
    up_to = f.Integer(load_default=None, allow_none=True,
                      metadata={"description": "Dernier message lu (par défaut le plus récent)."})


class IdentitySchema(f.FrenchSchema):
    id = fields.Integer()
    kind = fields.String()
    display_name = fields.String()


class MemberSchema(IdentitySchema):
    role = fields.String(metadata={"description": "author (qui a démarré l'échange) ou member."})


class PatientBriefSchema(f.FrenchSchema):
    id = fields.Integer()
    display_name = fields.String()
    ins = fields.String(allow_none=True)


class AttachmentSchema(f.FrenchSchema):
    id = fields.Integer()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    url = fields.Function(lambda a: f"/api/v1/attachments/{a.id}")
    created_at = f.UtcDateTime()


# Schemas hold no per-call state when dumping: one instance serves every message (building one
# deep-copies its fields, which costs more than the dump itself).
_ATTACHMENT_LIST = AttachmentSchema(many=True)


class MessageSchema(f.FrenchSchema):
    id = fields.Integer()
    exchange_id = fields.Integer()
    kind = fields.String()
    body = fields.String()
    created_at = f.UtcDateTime()
    author = fields.Function(lambda m: None if m.author_id is None else
                             {"id": m.author.id, "name": m.author.full_name, "identity_id": m.author.identity_id})
    # label: how « pour le compte de » names it, by the rule of receipts and system lines (kernel/services/behalf.py):
    # « Dr BERNARD » for a physician, a structure's or another professional's name otherwise.
    acting_as = fields.Function(lambda m: None if m.acting_as_id is None else
                                {"id": m.acting_as.id, "name": m.acting_as.display_name,
                                 "label": m.acting_as_label})
    attachments = fields.Function(lambda m: _ATTACHMENT_LIST.dump(getattr(m, "prefetched_attachments", [])))
    data = fields.Dict()

    @pre_dump(pass_collection=True)
    def _acting_as_labels(self, data: Any, many: bool, **kwargs: Any) -> Any:
        """Each message's ``acting_as_label``, in one query for a whole page (none when every author wrote in
        their own name or a structure's)."""
        rows = [m for m in (data if many else [data]) if getattr(m, "acting_as_id", None) is not None
                and getattr(m, "acting_as_label", None) is None]
        if rows:
            # An author writing in their own name is already in hand: a query only for those acted for.
            labels = principal_labels((m.acting_as for m in rows),
                                      [m.author for m in rows if m.author_id is not None
                                       and m.author.identity_id == m.acting_as_id])
            for m in rows:
                m.acting_as_label = labels[m.acting_as_id]
        return data


class ChannelSchema(f.FrenchSchema):
    name = fields.String()
    label = fields.String()
    group = fields.String()
    space = fields.String()
    order = fields.Integer()
    description = fields.String()
    receives_mail = fields.Boolean()


class FormFieldSchema(f.FrenchSchema):
    name = fields.String()
    type = fields.String()
    label = fields.String()
    required = fields.Boolean()
    default = fields.Raw(allow_none=True)
    help = fields.String()
    placeholder = fields.String()
    choices = fields.List(fields.Dict())
    max_length = fields.Integer(allow_none=True)
    many = fields.Boolean()
    options = fields.Dict()


class ExchangeSummarySchema(f.FrenchSchema):
    id = fields.Integer()
    channel = fields.String()
    space = fields.String()
    subject = fields.String()
    status = fields.String()
    patient = fields.Nested(PatientBriefSchema, allow_none=True)
    created_at = f.UtcDateTime()
    last_message_at = f.UtcDateTime()
    unread = fields.Integer()
    members = fields.List(fields.Nested(MemberSchema))
    status_label = fields.Dict(allow_none=True, metadata={
        "description": "Le statut propre au canal, pour les listes : {text, level} (info, success, warning, danger)."})


class ExchangeSchema(ExchangeSummarySchema):
    created_by = fields.Raw(allow_none=True)
    acting_as = fields.Nested(IdentitySchema, allow_none=True)
    data = fields.Dict()
    actions = fields.List(fields.Dict())
    panels = fields.List(fields.Dict())


class ErrorSchema(f.FrenchSchema):
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                         metadata={"description": "Messages en français, par champ."})
