"""The signed-in account's ways in, as « Sessions et accès » and its API show them."""
from __future__ import annotations

from marshmallow import fields

from . import french as f


class _Item(f.FrenchSchema):
    class Meta:
        ordered = True


class BrowserSessionSchema(_Item):
    id = fields.Integer()
    created_at = f.UtcDateTime(metadata={"description": "Connexion."})
    last_seen_at = f.UtcDateTime(metadata={"description": "Dernière activité (à la minute près)."})
    user_agent = fields.String(metadata={"description": "Navigateur et système, résumés.", "example": "Firefox sous Windows"})
    remote_addr = fields.String(metadata={"description": "Adresse IP de la connexion."})
    current = fields.Boolean(metadata={"description": "Vrai pour la session qui fait cette requête."})


class ApiTokenSchema(_Item):
    id = fields.Integer()
    name = fields.String()
    created_at = f.UtcDateTime()
    last_used_at = f.UtcDateTime(allow_none=True, metadata={"description": "Dernier usage (à la minute près)."})
    current = fields.Boolean(metadata={"description": "Vrai pour le jeton qui fait cette requête."})


class SessionListResponse(_Item):
    sessions = fields.List(fields.Nested(BrowserSessionSchema),
                           metadata={"description": "Sessions de navigateur en cours, la plus récemment active d'abord."})


class TokenListResponse(_Item):
    tokens = fields.List(fields.Nested(ApiTokenSchema),
                         metadata={"description": "Jetons d'accès non révoqués, le plus récent d'abord."})
