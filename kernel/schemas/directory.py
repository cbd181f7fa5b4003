"""Directory search payloads: the query string of GET /api/v1/directory and the entries it returns."""
from __future__ import annotations

from marshmallow import EXCLUDE, fields, validate

from ..directory.search import DEFAULT_LIMIT, GROUPS, KINDS, MAX_LIMIT, MAX_OFFSET
from . import french as f


class DirectoryQuerySchema(f.FrenchSchema):
    q = f.String(load_default="", validate=f.length(max_length=200),
                 metadata={"description": "Nom, spécialité, service : chaque mot est un début de mot."})
    where = f.String(load_default="", validate=f.length(max_length=200),
                     metadata={"description": "Ville, département, établissement : chaque mot est un début de mot."})
    kind = f.String(load_default="", validate=validate.OneOf(
        KINDS, error="Le filtre « kind » doit être vide, « account » (comptes de la plateforme) ou « mssante » "
                     "(adresses MSSanté)."),
        metadata={"description": "« account » : titulaires d'un compte (conversation, téléexpertise) ; "
                                 "« mssante » : au moins une adresse MSSanté (mail, document)."})
    group = f.String(load_default="", validate=validate.OneOf(
        ("", *GROUPS), error="Le groupe doit être « professionals » ou « services »."),
        metadata={"description": "Un seul groupe (« Voir plus de résultats »), avec offset."})
    limit = f.Integer(load_default=DEFAULT_LIMIT, validate=validate.Range(
        min=1, error=f"Demandez au moins 1 résultat (au plus {MAX_LIMIT})."),
        metadata={"description": f"Résultats par groupe, {DEFAULT_LIMIT} par défaut, {MAX_LIMIT} au plus "
                                 f"(une valeur plus grande est ramenée à {MAX_LIMIT})."})
    offset = f.Integer(load_default=0, validate=validate.Range(
        min=0, max=MAX_OFFSET, error=f"Le décalage va de 0 à {MAX_OFFSET} : au-delà, précisez la recherche."))

    class Meta:
        unknown = EXCLUDE  # a query string may carry a cache-buster


class DirectoryAddressSchema(f.FrenchSchema):
    address = fields.String(metadata={"example": "julie.bernard@medecin.mssante.fr"})
    type = fields.String(metadata={"enum": ["PER", "ORG", "APP", "CAB"]})
    label = fields.String(metadata={"example": "Cardiologie, CHU DE LYON, Lyon"})


class DirectoryEntrySchema(f.FrenchSchema):
    id = fields.String(metadata={"description": "Identifiant stable de l'entrée", "example": "pp:810003412870"})
    kind = fields.String(metadata={"enum": ["person", "service"]})
    display_name = fields.String(metadata={"example": "Dr Julie BERNARD"})
    profession = fields.String()
    specialty = fields.String()
    organisation = fields.String()
    city = fields.String()
    postcode = fields.String()
    department = fields.String(metadata={"description": "Code du département (69, 2A, 974...)"})
    rpps = fields.String(allow_none=True)
    identity_id = fields.Integer(allow_none=True, metadata={"description": "Identité sur la plateforme, s'il y en a une"})
    has_account = fields.Boolean()
    addresses = fields.List(fields.Nested(DirectoryAddressSchema),
                            metadata={"description": "Adresses MSSanté actives"})


class DirectoryMoreSchema(f.FrenchSchema):
    professionals = fields.Boolean()
    services = fields.Boolean()


class DirectoryResultSchema(f.FrenchSchema):
    professionals = fields.List(fields.Nested(DirectoryEntrySchema))
    services = fields.List(fields.Nested(DirectoryEntrySchema))
    more = fields.Nested(DirectoryMoreSchema)
