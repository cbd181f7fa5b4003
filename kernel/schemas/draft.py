"""A draft: what a screen holds before it is sent, as the browser saves it."""
from __future__ import annotations

from marshmallow import fields as mf

from . import french as f


class DraftSchema(f.FrenchSchema):
    """The fields of a send screen (or a thread's message box) as typed, and the attachments already uploaded."""

    fields = f.Dict(keys=f.String(validate=f.length(max_length=100)), load_default=dict,
                    metadata={"description": "Valeurs des champs de l'écran, telles que saisies."})
    attachments = f.List(f.Integer(), max_items=100, load_default=list,
                         metadata={"description": "Pièces jointes déjà déposées (identifiants)."})


class DraftOutSchema(f.FrenchSchema):
    screen = mf.String()
    fields = mf.Raw()
    attachments = mf.Raw()
    updated_at = f.UtcDateTime()


class DraftResponse(f.FrenchSchema):
    draft = f.Nested(DraftOutSchema)
