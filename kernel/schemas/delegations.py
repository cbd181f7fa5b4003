"""Delegations as the API reads and writes them: « Mes délégations » and the administration's list."""
from __future__ import annotations

from marshmallow import fields, validate

from ..models.delegation import SCOPES
from . import french as f
from .pagination import numbered_page

_SCOPE_HELP = ("Ce que la personne peut faire en votre nom : « mail » (Messagerie sécurisée uniquement) ou « all » "
               "(Messagerie et conversations).")
_SCOPE_ERROR = "Choisissez « Messagerie sécurisée uniquement » ou « Messagerie et conversations »."


def _scope(**more) -> f.String:
    return f.String(validate=validate.OneOf([s for s, _ in SCOPES], error=_SCOPE_ERROR),
                    metadata={"description": _SCOPE_HELP, "enum": [s for s, _ in SCOPES]}, **more)


class _Item(f.FrenchSchema):
    class Meta:
        ordered = True


class DelegationGrantSchema(_Item):
    """POST /delegations: let a professional act for oneself."""

    delegate = f.Integer(required=True, metadata={
        "description": "La personne à qui vous déléguez : son identité sur la plateforme (identity_id de "
                       "l'annuaire, comme le sélecteur de personnes la donne)."})
    scope = _scope(required=True)


class DelegationScopeSchema(_Item):
    """PATCH /delegations/<id>: widen or narrow a delegation."""

    scope = _scope(required=True)


class DelegationListQuerySchema(_Item):
    """GET /admin/delegations: filters and page."""

    person = f.Integer(load_default=None, metadata={"description": "Un compte : ses délégations données et reçues."})
    structure = f.Integer(load_default=None, metadata={"description": "Une structure (identity_id) : ses membres."})
    q = f.String(load_default="", validate=f.length(max_length=100), metadata={
        "description": "Des mots du nom du délégant, du délégué ou de la structure (début de mot)."})
    withdrawn = f.Boolean(load_default=False, metadata={"description": "Inclure les délégations retirées."})
    page = f.Integer(load_default=1, validate=validate.Range(min=1, max=10_000, error="Page entre 1 et 10 000."))


class _Principal(_Item):
    identity_id = fields.Integer()
    kind = fields.String(metadata={"description": "« person » ou « structure »."})
    display_name = fields.String()
    account_id = fields.Integer(allow_none=True)
    label = fields.String(metadata={"description": "Comme les accusés de lecture le nomment : « Dr BERNARD »."})


class _Delegate(_Item):
    account_id = fields.Integer()
    identity_id = fields.Integer()
    name = fields.String()
    profession = fields.String()
    active = fields.Boolean()


class _Granter(_Item):
    account_id = fields.Integer()
    name = fields.String()


class DelegationSchema(_Item):
    id = fields.Integer()
    scope = fields.String(metadata={"description": _SCOPE_HELP})
    scope_label = fields.String(metadata={"example": "Messagerie sécurisée uniquement"})
    principal = fields.Nested(_Principal, metadata={"description": "Pour qui la personne agit."})
    delegate = fields.Nested(_Delegate, metadata={"description": "Qui agit."})
    granted_at = f.UtcDateTime()
    revoked_at = f.UtcDateTime(allow_none=True)
    suspended = fields.Boolean(metadata={"description": "Vrai : donnée par un compte désactivé, elle est sans "
                                                        "effet jusqu'à sa réactivation (elle n'est pas retirée)."})
    state_label = fields.String(metadata={"example": "suspendue : compte désactivé",
                                          "description": "« en vigueur », « suspendue : compte désactivé » ou « retirée »."})
    granted_by = fields.Nested(_Granter, allow_none=True, metadata={"description": "Null : en ligne de commande."})


class DelegationEnvelopeSchema(_Item):
    delegation = fields.Nested(DelegationSchema)


class MyDelegationsSchema(_Item):
    given = fields.List(fields.Nested(DelegationSchema), metadata={
        "description": "Les personnes qui peuvent agir en votre nom."})
    held = fields.List(fields.Nested(DelegationSchema), metadata={
        "description": "Les professionnels et structures pour qui vous pouvez agir."})


class DelegationListSchema(numbered_page("delegations", DelegationSchema, base=_Item)):
    """GET /admin/delegations: a page of delegations."""
