"""What the API answers: one envelope schema per response body, for the OpenAPI document.

The views build these bodies themselves (from the item schemas of exchange.py, patient.py...); these
envelopes describe them, and tests/api/test_openapi_responses.py checks real answers against them.
"""
from __future__ import annotations

from marshmallow import fields

from . import french as f
from .exchange import AttachmentSchema, ChannelSchema, ExchangeSchema, ExchangeSummarySchema, FormFieldSchema, MessageSchema
from .integration import ConnectorSchema, IntegrationSchema


class _Envelope(f.FrenchSchema):
    class Meta:
        ordered = True


class ChannelGroupSchema(_Envelope):
    name = fields.String(metadata={"example": "MonSisra"})
    channels = fields.List(fields.String(), metadata={"description": "Noms des canaux du groupe, dans l'ordre."})


class ChannelListResponse(_Envelope):
    channels = fields.List(fields.Nested(ChannelSchema))
    groups = fields.List(fields.Nested(ChannelGroupSchema))


class ChannelFormResponse(_Envelope):
    channel = fields.Nested(ChannelSchema)
    fields_ = fields.List(fields.Nested(FormFieldSchema), data_key="fields")


class ExchangeStartedResponse(_Envelope):
    exchange = fields.Nested(ExchangeSummarySchema)
    message = fields.Nested(MessageSchema, allow_none=True, metadata={"description": "Le premier message, s'il y en a un."})


class InboxResponse(_Envelope):
    exchanges = fields.List(fields.Nested(ExchangeSummarySchema))
    unread = fields.Dict(keys=fields.String(), values=fields.Integer(),
                         metadata={"description": "Messages non lus par espace (chat, mail...)."})


class ExchangeResponse(_Envelope):
    exchange = fields.Nested(ExchangeSchema)


class ExchangeSummaryResponse(_Envelope):
    exchange = fields.Nested(ExchangeSummarySchema)


class MessagePageResponse(_Envelope):
    messages = fields.List(fields.Nested(MessageSchema))
    has_more = fields.Boolean(metadata={"description": "Vrai s'il reste des messages plus anciens (before=)."})


class MessageResponse(_Envelope):
    message = fields.Nested(MessageSchema)


class ReadResponse(_Envelope):
    read = fields.Integer(metadata={"description": "Messages marqués vus par cette requête."})
    up_to = fields.Integer()


class PersonRefSchema(_Envelope):
    id = fields.Integer()
    name = fields.String()


class ReaderSchema(PersonRefSchema):
    """Who opened or read: through a delegation, also whom for."""

    on_behalf_of = fields.String(allow_none=True, metadata={
        "description": "Pour le compte de qui (« Dr BERNARD », une structure) ; null quand on lit en son nom."})
    label = fields.String(metadata={"example": "Isabelle ROUX pour le compte de Dr BERNARD"})


class OpenedSchema(_Envelope):
    account = fields.Nested(ReaderSchema)
    first_opened_at = fields.String()
    last_opened_at = fields.String()


class SeenSchema(_Envelope):
    account = fields.Nested(ReaderSchema)
    read_at = fields.String()


class ReceiptsResponse(_Envelope):
    opened = fields.List(fields.Nested(OpenedSchema))
    messages = fields.Dict(keys=fields.String(), values=fields.List(fields.Nested(SeenSchema)),
                           metadata={"description": "Par numéro de message : qui l'a vu et quand."})


class AddedMemberSchema(_Envelope):
    id = fields.Integer()
    display_name = fields.String()


class MembersAddedResponse(_Envelope):
    added = fields.List(fields.Nested(AddedMemberSchema))


class AttachmentResponse(_Envelope):
    attachment = fields.Nested(AttachmentSchema)


class UploadResponse(_Envelope):
    attachment = fields.Nested(AttachmentSchema, metadata={"description": "Le premier fichier reçu."})
    attachments = fields.List(fields.Nested(AttachmentSchema), metadata={"description": "Tous les fichiers reçus."})


class IntegrationReceiptSchema(_Envelope):
    connector = fields.String()
    ok = fields.Boolean()
    message = fields.String()
    reference = fields.String(allow_none=True)


class IntegrationResponse(_Envelope):
    receipts = fields.List(fields.Nested(IntegrationReceiptSchema))
    integration = fields.Nested(IntegrationSchema, metadata={"description": "Le suivi de cet envoi (état, message)."})


class IntegrationListResponse(_Envelope):
    integrations = fields.List(fields.Nested(IntegrationSchema))


class IntegrationOneResponse(_Envelope):
    integration = fields.Nested(IntegrationSchema)


class ConnectorListResponse(_Envelope):
    connectors = fields.List(fields.Nested(ConnectorSchema))


class AccountSchema(_Envelope):
    id = fields.Integer()
    login = fields.String()
    name = fields.String()
    profession = fields.String(allow_none=True)
    identity_id = fields.Integer(allow_none=True)


class IdentityRefSchema(_Envelope):
    id = fields.Integer()
    kind = fields.String()
    display_name = fields.String()


class MeResponse(_Envelope):
    account = fields.Nested(AccountSchema)
    identities = fields.List(fields.Nested(IdentityRefSchema),
                             metadata={"description": "Les identités au nom desquelles le compte peut agir."})
    csrf_token = fields.String(metadata={"description": "Pour une session de navigateur seulement."})
